package io.splitguard.chaos.history;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Writes a guarded-writes file (see {@link GuardedWrite}) that {@link HistoryReader#readGuarded}
 * reads. Thread-safe, one flushed line per call, in call order — call it as each acknowledgement
 * is received. I/O errors are thrown as {@link UncheckedIOException}.
 */
public final class GuardedWriter implements Closeable {
  private final JsonLinesOut out;

  /** Writes to {@code out} (which this writer closes). */
  public GuardedWriter(Writer out) {
    this.out = new JsonLinesOut(out, "guarded writer");
  }

  /**
   * Creates (or truncates) {@code file} and writes to it in UTF-8.
   *
   * @throws IOException when the file cannot be opened
   */
  public static GuardedWriter open(Path file) throws IOException {
    return new GuardedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8));
  }

  /** Records an accepted guarded write. */
  public void accepted(GuardedWrite w) {
    ObjectNode node = Json.NODES.objectNode();
    node.put("resource", w.resource());
    node.put("token", w.token());
    if (w.value() == null) {
      node.putNull("value");
    } else {
      node.put("value", w.value());
    }
    node.put("time", w.time());
    w.process().ifPresent(p -> node.put("process", p));
    w.invokeTime().ifPresent(t -> node.put("invokeTime", t));
    out.write(node);
  }

  /** Flushes and closes the file; idempotent. */
  @Override
  public void close() throws IOException {
    out.close();
  }
}
