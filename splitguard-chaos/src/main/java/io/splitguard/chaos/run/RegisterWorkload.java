package io.splitguard.chaos.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * CP registers: reads (linearizable GET), writes (PUT of a value unique in the run) and
 * compare-and-set over a few keys, each request to a random node.
 *
 * <p>The API's compare-and-set compares revisions, the history's {@code cas} compares values, so a
 * cas is done as: a linearizable read (recorded as its own {@code read}), then a PUT with {@code
 * If-Match: <revision read>} (0 if the key was missing), recorded as {@code cas [valueRead, new]}
 * invoked when the PUT is sent. Because every written value is unique, the revision matches
 * exactly when the value does, so the two meanings agree.
 *
 * <p>After the run, a linearizable read of every key is retried (against each node in turn) until
 * one succeeds or {@code finalReadTimeout} passes; every attempt is recorded.
 */
public final class RegisterWorkload implements Workload {
  private final Options options;
  private final List<String> keys;

  /**
   * Tuning of the workload.
   *
   * @param keys the number of keys, {@code k1..kN}
   * @param readPercent share of reads
   * @param writePercent share of writes (the rest are cas)
   * @param thinkTime mean pause between one client's operations (uniform in 0..2x), keeping
   *     histories small enough to check
   * @param finalReadTimeout how long the final read of each key may keep retrying
   */
  public record Options(int keys, int readPercent, int writePercent, Duration thinkTime, Duration finalReadTimeout) {
    /** 5 keys, 40% reads, 40% writes, 20% cas, 10 ms think time, 30 s for final reads. */
    public static final Options DEFAULT = new Options(5, 40, 40, Duration.ofMillis(10), Duration.ofSeconds(30));

    /** Checks the ranges. */
    public Options {
      if (keys < 1 || keys > 10_000) {
        throw new IllegalArgumentException("keys must be 1-10000, got " + keys);
      }
      if (readPercent < 0 || writePercent < 0 || readPercent + writePercent > 100) {
        throw new IllegalArgumentException("need reads + writes <= 100%, got " + readPercent + " + " + writePercent);
      }
      if (thinkTime.isNegative() || finalReadTimeout.isNegative()) {
        throw new IllegalArgumentException("durations must not be negative");
      }
    }
  }

  /** The value and revision a successful read saw (revision 0 and value null: no such key). */
  record Seen(String value, long revision) {}

  /** A register workload with these options. */
  public RegisterWorkload(Options options) {
    this.options = options;
    List<String> k = new ArrayList<>();
    for (int i = 1; i <= options.keys(); i++) {
      k.add("k" + i);
    }
    this.keys = List.copyOf(k);
  }

  @Override
  public String name() {
    return "register";
  }

  @Override
  public List<String> keys() {
    return keys;
  }

  @Override
  public void runClient(WorkloadContext context, ClientSession session) throws InterruptedException {
    long thinkMax = 2 * options.thinkTime().toNanos();
    while (!context.pastDeadline() && !Thread.currentThread().isInterrupted()) {
      // Draw every choice before acting, in a fixed order, so the sequence of intended operations
      // depends only on the seed, whatever the replies were.
      long think = thinkMax == 0 ? 0 : session.random().nextLong(thinkMax + 1);
      String key = keys.get(session.random().nextInt(keys.size()));
      int node = session.random().nextInt(context.nodes());
      int roll = session.random().nextInt(100);
      if (think > 0) {
        TimeUnit.NANOSECONDS.sleep(think); // pacing between operations, not waiting for a condition
      }
      if (context.pastDeadline()) {
        return;
      }
      if (roll < options.readPercent()) {
        read(context, session, key, node);
      } else if (roll < options.readPercent() + options.writePercent()) {
        write(context, session, key, node);
      } else {
        cas(context, session, key, node);
      }
    }
  }

  @Override
  public void finish(WorkloadContext context) throws InterruptedException {
    // One fresh process for all final reads; a failed read does not retire it (it had no effect).
    ClientSession session = new ClientSession(context.newProcess(), null, context);
    long deadline = System.nanoTime() + options.finalReadTimeout().toNanos();
    int node = 0;
    for (String key : keys) {
      while (true) {
        if (read(context, session, key, node) != null) {
          break;
        }
        node = (node + 1) % context.nodes();
        if (System.nanoTime() - deadline >= 0) {
          break; // bounded: a checker sees the key's last read failed and can say so
        }
        TimeUnit.MILLISECONDS.sleep(200); // back-off between retries of a final read
      }
    }
  }

  /** Records a linearizable read; returns what it saw, or {@code null} if it failed. */
  Seen read(WorkloadContext context, ClientSession session, String key, int node) throws InterruptedException {
    String nodeId = context.nodeId(node);
    session.invoke("read", key, null, nodeId);
    NodeApi.Reply reply = context.api().get(context.nodeUrl(node), path(key) + "?consistency=linearizable");
    Outcomes.Outcome outcome = Outcomes.classify(false, reply);
    if (outcome.type() != OpType.OK) {
      session.complete(OpType.FAIL, "read", key, null, nodeId, outcome.error());
      return null;
    }
    NodeApi.Reply.Response r = (NodeApi.Reply.Response) reply;
    if (r.status() == 404) {
      session.complete(OpType.OK, "read", key, null, nodeId, null);
      return new Seen(null, 0);
    }
    JsonNode value = r.body().path("value");
    JsonNode revision = r.body().path("revision");
    if (!value.isTextual() || !revision.canConvertToLong()) {
      // A 200 we cannot read tells us nothing about the register; a read has no effect, so fail.
      session.complete(OpType.FAIL, "read", key, null, nodeId, "malformed 200 body");
      return null;
    }
    session.complete(OpType.OK, "read", key, value.asText(), nodeId, null);
    return new Seen(value.asText(), revision.asLong());
  }

  void write(WorkloadContext context, ClientSession session, String key, int node) throws InterruptedException {
    String nodeId = context.nodeId(node);
    String value = session.uniqueValue();
    session.invoke("write", key, value, nodeId);
    NodeApi.Reply reply = context.api().put(context.nodeUrl(node), path(key), context.api().valueBody(value), Map.of());
    Outcomes.Outcome outcome = Outcomes.classify(true, reply);
    session.complete(outcome.type(), "write", key, value, nodeId, outcome.error());
  }

  void cas(WorkloadContext context, ClientSession session, String key, int node) throws InterruptedException {
    Seen seen = read(context, session, key, node);
    if (seen == null) {
      return; // nothing to compare with; the failed read is in the history
    }
    String nodeId = context.nodeId(node);
    String value = session.uniqueValue();
    List<String> casValue = Arrays.asList(seen.value(), value); // List.of refuses the null of a missing key
    session.invoke("cas", key, casValue, nodeId);
    NodeApi.Reply reply = context.api().put(context.nodeUrl(node), path(key), context.api().valueBody(value),
        Map.of("If-Match", Long.toString(seen.revision())));
    Outcomes.Outcome outcome = Outcomes.classify(true, reply);
    session.complete(outcome.type(), "cas", key, casValue, nodeId, outcome.error());
  }

  private static String path(String key) {
    return "/v1/kv/" + URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
