package io.splitguard.chaos.history;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Objects;

/**
 * One JSON object per line, each flushed as it is written so that a crashed run still leaves
 * every line it recorded; thread-safe, lines in call order. The history and guarded-writes files
 * both use it.
 */
final class JsonLinesOut implements Closeable {
  private final Writer out;
  private final String what;
  private boolean closed;

  /**
   * @param out where to write (closed by {@link #close()})
   * @param what names the file in errors ("history writer")
   */
  JsonLinesOut(Writer out, String what) {
    this.out = Objects.requireNonNull(out, "out");
    this.what = what;
  }

  /** Serialises {@code node} and writes it as one flushed line. */
  void write(ObjectNode node) {
    String line;
    try {
      line = Json.WRITER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise a JSON tree", e);
    }
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException(what + " is closed");
      }
      try {
        out.write(line);
        out.write('\n');
        out.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Flushes and closes; idempotent. */
  @Override
  public synchronized void close() throws IOException {
    if (!closed) {
      closed = true;
      out.close();
    }
  }
}
