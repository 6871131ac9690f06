package io.splitguard.chaos.history;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a history file in the exact format {@link HistoryReader} reads (see the package
 * documentation).
 *
 * <p>Thread-safe: each call writes one whole line and flushes it, so a crash of the runner loses at
 * most the event being written and concurrent clients never interleave within a line. Lines are in
 * the order of the calls; callers should take {@code timeNanos} from one monotonic clock ({@code
 * System.nanoTime()}) right before an invoke is sent and right after a completion is received.
 * The checkers order operations by {@code time}, not by line, so small reorderings between threads
 * are harmless — but a process's completion must be written after its invoke.
 *
 * <p>I/O errors are thrown as {@link UncheckedIOException}; writing after {@link #close()} throws
 * {@link IllegalStateException}.
 */
public final class HistoryWriter implements Closeable {
  private final JsonLinesOut out;

  /** Writes to {@code out} (which this writer closes). */
  public HistoryWriter(Writer out) {
    this.out = new JsonLinesOut(out, "history writer");
  }

  /**
   * Creates (or truncates) {@code file} and writes to it in UTF-8.
   *
   * @throws IOException when the file cannot be opened
   */
  public static HistoryWriter open(Path file) throws IOException {
    return new HistoryWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8));
  }

  /**
   * Records that a client is about to send a request.
   *
   * @param value a write's {@link Value.Text}, a cas's {@link Value.Swap}, {@link Value#MISSING}
   *     for a read
   */
  public void invoke(int process, Fn f, String key, Value value, long timeNanos) {
    write(new ClientEvent(process, EventType.INVOKE, f, key, value, timeNanos));
  }

  /**
   * Records how an operation ended, with no extra fields.
   *
   * @param type ok, fail (certainly not applied) or info (unknown)
   * @param value for an ok read the value read ({@link Value#MISSING} when the key was missing);
   *     otherwise conventionally the invoke's value
   */
  public void complete(int process, EventType type, Fn f, String key, Value value, long timeNanos) {
    complete(process, type, f, key, value, timeNanos, Map.of());
  }

  /**
   * Records how an operation ended, with extra diagnostic fields (e.g. {@code node}, {@code
   * error}, {@code revision}) that the checkers ignore. Extra values may be strings, numbers,
   * booleans or Jackson nodes.
   *
   * @throws IllegalArgumentException when {@code type} is invoke or an extra field's name clashes
   *     with a defined one
   */
  public void complete(int process, EventType type, Fn f, String key, Value value, long timeNanos,
      Map<String, ?> extra) {
    if (!type.isCompletion()) {
      throw new IllegalArgumentException("complete(...) needs ok, fail or info, got " + type);
    }
    ObjectNode node = clientNode(new ClientEvent(process, type, f, key, value, timeNanos));
    Json.putExtras(node, extra);
    writeLine(node);
  }

  /**
   * Records a nemesis event, e.g. {@code nemesis("start", "isolate-leader n2", t)}; its type is
   * {@code info}.
   */
  public void nemesis(String f, String value, long timeNanos) {
    write(new NemesisEvent(EventType.INFO, f, value, timeNanos));
  }

  /** Writes any event, extras included (used to copy or filter histories). */
  public void write(HistoryEvent event) {
    ObjectNode node;
    if (event instanceof ClientEvent c) {
      node = clientNode(c);
    } else {
      NemesisEvent n = (NemesisEvent) event;
      node = Json.NODES.objectNode();
      node.put("process", "nemesis");
      node.put("type", n.type().wireName());
      node.put("f", n.f());
      if (n.value() == null) {
        node.putNull("value");
      } else {
        node.put("value", n.value());
      }
      node.put("time", n.time());
    }
    Json.putExtras(node, event.extra());
    writeLine(node);
  }

  private static ObjectNode clientNode(ClientEvent c) {
    ObjectNode node = Json.NODES.objectNode();
    node.put("process", c.client());
    node.put("type", c.type().wireName());
    node.put("f", c.f().wireName());
    node.put("key", c.key());
    node.set("value", Json.toJson(c.value()));
    node.put("time", c.time());
    c.token().ifPresent(t -> node.put("token", t));
    return node;
  }

  private void writeLine(ObjectNode node) {
    out.write(node);
  }

  /** Flushes and closes the file; idempotent. */
  @Override
  public void close() throws IOException {
    out.close();
  }
}
