package io.splitguard.chaos.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Writes a run's history: one JSON object per line, in real-time order, in the format the
 * checkers read (the file is the contract):
 *
 * <pre>{"process":3,"type":"invoke","f":"write","key":"k1","value":"p3-17","time":12345678,"node":"n2"}
 * {"process":3,"type":"ok","f":"write","key":"k1","value":"p3-17","time":13345678,"node":"n2"}
 * {"process":"nemesis","type":"info","f":"start","value":"partition-halves n1|n2,n3","time":...}</pre>
 *
 * <p>{@code time} is nanoseconds since the run started on a monotonic clock. It is taken inside the
 * writer's lock, so the order of lines is the order of times: an event written after another
 * happened after it. Each line is flushed at once, so a harness that dies leaves a usable history.
 * Thread-safe.
 */
public final class RunHistoryWriter implements AutoCloseable {
  private final ObjectMapper json = new ObjectMapper();
  private final BufferedWriter out;
  private final LongSupplier nanoClock;
  private final long start;
  private final Map<String, OpCounts> counts = new LinkedHashMap<>();
  private long last = Long.MIN_VALUE;
  private boolean closed;

  /**
   * Opens (truncates) {@code file}; the run starts now.
   *
   * @param file the history file
   * @param nanoClock a monotonic nanosecond clock ({@code System::nanoTime})
   */
  public RunHistoryWriter(Path file, LongSupplier nanoClock) throws IOException {
    this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    this.nanoClock = nanoClock;
    this.start = nanoClock.getAsLong();
  }

  /** The clock reading the run started at; {@code time} fields count from here. */
  public long startNanos() {
    return start;
  }

  /**
   * Appends a client operation event and returns its time.
   *
   * @param process the logical process
   * @param type invoke / ok / fail / info
   * @param f the function ({@code read}, {@code write}, {@code cas}, ...)
   * @param key the key, or {@code null} if the function has none
   * @param value a string, {@code null}, or a list (a cas is {@code [expected, new]})
   * @param node the node asked, or {@code null}
   * @param error the problem code or exception, or {@code null}
   */
  public long op(int process, OpType type, String f, String key, Object value, String node, String error) {
    return op(process, type, f, key, value, null, node, error);
  }

  /**
   * Appends a client operation event with a fencing token and returns its time.
   *
   * @param token the token presented, granted or read ({@code token} field), or {@code null} for
   *     none
   * @see #op(int, OpType, String, String, Object, String, String)
   */
  public long op(int process, OpType type, String f, String key, Object value, Long token, String node,
      String error) {
    ObjectNode line = json.createObjectNode();
    line.put("process", process);
    line.put("type", type.wire());
    line.put("f", f);
    if (key != null) {
      line.put("key", key);
    }
    line.set("value", json.valueToTree(value));
    if (token != null) {
      line.put("token", token);
    }
    return append(line, node, error, f, type);
  }

  /**
   * Appends a nemesis event ({@code "process":"nemesis","type":"info"}) and returns its time.
   *
   * @param f {@code start} or {@code stop}
   * @param value what was injected or healed, e.g. {@code isolate-leader n2}
   * @param error why applying it failed, or {@code null}
   */
  public long nemesis(String f, String value, String error) {
    ObjectNode line = json.createObjectNode();
    line.put("process", "nemesis");
    line.put("type", OpType.INFO.wire());
    line.put("f", f);
    line.put("value", value);
    return append(line, null, error, null, null);
  }

  /** Nanoseconds since the run started. */
  public long elapsedNanos() {
    return nanoClock.getAsLong() - start;
  }

  /** Client event counts per function, in first-seen order. */
  public synchronized Map<String, OpCounts> countsByFunction() {
    return Map.copyOf(counts);
  }

  /** Client event counts over all functions. */
  public synchronized OpCounts totals() {
    long invoke = 0;
    long ok = 0;
    long fail = 0;
    long info = 0;
    for (OpCounts c : counts.values()) {
      invoke += c.invoke();
      ok += c.ok();
      fail += c.fail();
      info += c.info();
    }
    return new OpCounts(invoke, ok, fail, info);
  }

  private synchronized long append(ObjectNode line, String node, String error, String f, OpType type) {
    if (closed) {
      throw new IllegalStateException("history is closed");
    }
    // Never let time go backwards in the file, even if two threads read the clock out of order.
    long time = Math.max(nanoClock.getAsLong() - start, last);
    last = time;
    line.put("time", time);
    if (node != null) {
      line.put("node", node);
    }
    if (error != null) {
      line.put("error", error);
    }
    try {
      out.write(json.writeValueAsString(line));
      out.write('\n');
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the history", e);
    }
    if (f != null) {
      counts.merge(f, OpCounts.ZERO.plus(type), (a, b) -> a.plus(type));
    }
    return time;
  }

  @Override
  public synchronized void close() throws IOException {
    if (!closed) {
      closed = true;
      out.close();
    }
  }
}
