package io.splitguard.chaos.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.splitguard.chaos.history.GuardedWrite;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Locks with guarded writes: each client acquires one of a few locks ({@code lock1..N}) with a
 * lease, writes unique values to the lock's guarded resource ({@code res1..N}) under the lock's
 * fencing token, and releases the lock; now and then it breaks the rules the way real holders do,
 * so that the resource's fencing is what keeps the data safe:
 *
 * <ul>
 *   <li><b>abandon</b>: it does not release, and the lease runs out ({@code ttl} later);
 *   <li><b>overstay</b>: it stops for longer than its lease (a GC pause, a stopped VM) and then
 *       writes again with its token, by which time another client may hold the lock;
 *   <li><b>zombie write</b>: instead of acquiring, it writes with the token of its last lease,
 *       released or expired long ago.
 * </ul>
 *
 * <p>A late write is refused with {@code FENCED} once the resource has accepted a newer token, and
 * accepted if it has not (harmless: it is ordered before every write of the newer holder). Every
 * request goes to a random node and is recorded in the history ({@code acquire}, {@code
 * guarded-write}, {@code release}; a refusal such as {@code CONFLICT} or {@code FENCED} is {@code
 * fail}, an unknown outcome {@code info}); every guarded write answered 200 also goes to the
 * guarded-writes file, which the fencing check reads. After the run, {@link #finish} reads every
 * resource (linearizable, retried against each node in turn) and records the value and token seen.
 *
 * <p>Every random choice of an iteration is drawn before acting, a fixed number of draws per
 * iteration, so the sequence of intended operations depends only on the seed and the replies.
 */
public final class LockWorkload implements Workload {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final Options options;
  private final List<String> locks;
  private final List<String> resources;

  /**
   * Tuning of the workload.
   *
   * @param locks the number of locks, {@code lock1..N}, each guarding {@code res1..N}
   * @param ttl the lease asked for; must be legal for the nodes (at least {@code 2 x
   *     electionTimeoutMax}, 4 s with the default node settings) or every acquire is refused
   * @param maxWritesPerHold guarded writes per lease, uniform in {@code 1..max}
   * @param releasePercent share of leases released at the end; the rest are abandoned
   * @param overstayPercent share of leases whose holder pauses for {@code ttl} plus up to a second
   *     before a last write (these are also not released)
   * @param zombiePercent share of iterations that, once the client has held a lease, write with
   *     that old token instead of acquiring
   * @param thinkTime mean pause between one client's operations (uniform in 0..2x)
   * @param finalReadTimeout how long the final read of each resource may keep retrying
   */
  public record Options(int locks, Duration ttl, int maxWritesPerHold, int releasePercent, int overstayPercent,
      int zombiePercent, Duration thinkTime, Duration finalReadTimeout) {
    /**
     * 2 locks, 5 s leases, 1-3 writes per lease, 85% released, 5% overstayed, 15% zombie writes,
     * 10 ms think time, 30 s for final reads.
     */
    public static final Options DEFAULT = new Options(2, Duration.ofSeconds(5), 3, 85, 5, 15,
        Duration.ofMillis(10), Duration.ofSeconds(30));

    /** Checks the ranges. */
    public Options {
      if (locks < 1 || locks > 1000) {
        throw new IllegalArgumentException("locks must be 1-1000, got " + locks);
      }
      if (ttl.toMillis() < 1) {
        throw new IllegalArgumentException("ttl must be at least 1 ms, got " + ttl);
      }
      if (maxWritesPerHold < 1) {
        throw new IllegalArgumentException("maxWritesPerHold must be at least 1, got " + maxWritesPerHold);
      }
      if (releasePercent < 0 || overstayPercent < 0 || releasePercent + overstayPercent > 100) {
        throw new IllegalArgumentException(
            "need release + overstay <= 100%, got " + releasePercent + " + " + overstayPercent);
      }
      if (zombiePercent < 0 || zombiePercent > 100) {
        throw new IllegalArgumentException("zombiePercent must be 0-100, got " + zombiePercent);
      }
      if (thinkTime.isNegative() || finalReadTimeout.isNegative()) {
        throw new IllegalArgumentException("durations must not be negative");
      }
    }

    /** These options with another number of locks. */
    public Options withLocks(int n) {
      return new Options(n, ttl, maxWritesPerHold, releasePercent, overstayPercent, zombiePercent, thinkTime,
          finalReadTimeout);
    }

    /** These options with another think time. */
    public Options withThinkTime(Duration d) {
      return new Options(locks, ttl, maxWritesPerHold, releasePercent, overstayPercent, zombiePercent, d,
          finalReadTimeout);
    }
  }

  /** A lease this client was granted: the lock, its resource and the token. */
  record Lease(String lock, String resource, long token) {}

  /** How a guarded write ended, as far as the client goes on. */
  enum WriteResult { ACCEPTED, FENCED, OTHER }

  /** The choices of one iteration, drawn up front (see the class comment). */
  private record Plan(long thinkNanos, int lock, int acquireNode, int writes, int[] writeNodes, int ending,
      int zombie, int zombieNode, int releaseNode, long backoffNanos, long overstayNanos) {}

  /** A workload with these options. */
  public LockWorkload(Options options) {
    this.options = options;
    List<String> l = new ArrayList<>();
    List<String> r = new ArrayList<>();
    for (int i = 1; i <= options.locks(); i++) {
      l.add("lock" + i);
      r.add("res" + i);
    }
    this.locks = List.copyOf(l);
    this.resources = List.copyOf(r);
  }

  @Override
  public String name() {
    return "locks";
  }

  /** The lock names, then the guarded resources. */
  @Override
  public List<String> keys() {
    List<String> all = new ArrayList<>(locks);
    all.addAll(resources);
    return List.copyOf(all);
  }

  @Override
  public boolean recordsGuardedWrites() {
    return true;
  }

  @Override
  public void runClient(WorkloadContext context, ClientSession session) throws InterruptedException {
    Lease last = null; // the latest lease this client was granted, for zombie writes
    while (!context.pastDeadline() && !Thread.currentThread().isInterrupted()) {
      Plan plan = draw(context, session);
      pause(plan.thinkNanos());
      if (context.pastDeadline()) {
        return;
      }
      if (last != null && plan.zombie() < options.zombiePercent()) {
        guardedWrite(context, session, last, plan.zombieNode());
        continue;
      }
      Lease lease = acquire(context, session, locks.get(plan.lock()), resources.get(plan.lock()), plan.acquireNode());
      if (lease == null) {
        // Held by someone else, refused or unknown: a waiting client polls, it does not spin.
        pause(plan.backoffNanos());
        continue;
      }
      last = lease;
      boolean lost = false;
      for (int i = 0; i < plan.writes() && !lost && !context.pastDeadline(); i++) {
        if (i > 0) {
          pause(plan.thinkNanos());
        }
        lost = guardedWrite(context, session, lease, plan.writeNodes()[i]) == WriteResult.FENCED;
      }
      if (lost) {
        continue; // a newer token reached the resource: the lease is gone, nothing to release
      }
      if (plan.ending() < options.releasePercent()) {
        release(context, session, lease, plan.releaseNode());
      } else if (plan.ending() < options.releasePercent() + options.overstayPercent()
          && context.nanosUntilDeadline() > plan.overstayNanos()) {
        // Simulates a holder stopped for longer than its lease, then carrying on as if it still
        // held it; this is pacing, not waiting for a condition.
        pause(plan.overstayNanos());
        guardedWrite(context, session, lease, plan.writeNodes()[0]);
      }
      // Otherwise abandoned: the lease expires on its own.
    }
  }

  private Plan draw(WorkloadContext context, ClientSession session) {
    var random = session.random();
    long thinkMax = 2 * options.thinkTime().toNanos();
    long think = thinkMax == 0 ? 0 : random.nextLong(thinkMax + 1);
    int lock = random.nextInt(locks.size());
    int acquireNode = random.nextInt(context.nodes());
    int writes = 1 + random.nextInt(options.maxWritesPerHold());
    int[] writeNodes = new int[options.maxWritesPerHold()];
    for (int i = 0; i < writeNodes.length; i++) {
      writeNodes[i] = random.nextInt(context.nodes());
    }
    int ending = random.nextInt(100);
    int zombie = random.nextInt(100);
    int zombieNode = random.nextInt(context.nodes());
    int releaseNode = random.nextInt(context.nodes());
    // Up to a fiftieth of the lease (100 ms by default) between attempts on a held lock: long
    // enough not to flood the log with refused acquires, short enough to grab a lock soon after
    // it is freed.
    long backoff = random.nextLong(options.ttl().toNanos() / 50 + 1);
    long overstay = options.ttl().toNanos() + random.nextLong(TimeUnit.SECONDS.toNanos(1) + 1);
    return new Plan(think, lock, acquireNode, writes, writeNodes, ending, zombie, zombieNode, releaseNode, backoff,
        overstay);
  }

  private static void pause(long nanos) throws InterruptedException {
    if (nanos > 0) {
      TimeUnit.NANOSECONDS.sleep(nanos); // pacing between operations, not waiting for a condition
    }
  }

  @Override
  public void finish(WorkloadContext context) throws InterruptedException {
    // One fresh process for all final reads; a failed read does not retire it (it had no effect).
    ClientSession session = new ClientSession(context.newProcess(), null, context);
    long deadline = System.nanoTime() + options.finalReadTimeout().toNanos();
    int node = 0;
    for (String resource : resources) {
      while (!read(context, session, resource, node)) {
        node = (node + 1) % context.nodes();
        if (System.nanoTime() - deadline >= 0) {
          break; // bounded: the checker sees the resource's last read failed
        }
        TimeUnit.MILLISECONDS.sleep(200); // back-off between retries of a final read
      }
    }
  }

  /** Acquires {@code lock}; returns the lease if granted, else {@code null}. */
  Lease acquire(WorkloadContext context, ClientSession session, String lock, String resource, int node)
      throws InterruptedException {
    String nodeId = context.nodeId(node);
    String owner = "client-" + session.index() + "/p" + session.process();
    session.invoke("acquire", lock, owner, nodeId);
    NodeApi.Reply reply = context.api().post(context.nodeUrl(node), "/v1/locks/" + encode(lock),
        JSON.objectNode().put("owner", owner).put("ttlMs", options.ttl().toMillis()).toString());
    Outcomes.Outcome outcome = Outcomes.classify(true, reply);
    if (outcome.type() != OpType.OK) {
      session.complete(outcome.type(), "acquire", lock, owner, nodeId, outcome.error());
      if ("BAD_REQUEST".equals(outcome.error())) {
        // The request is well formed, so the lease length is what the nodes refuse: every acquire
        // would fail and the run would test nothing. Stop it instead of passing it.
        throw new IllegalStateException("the nodes refuse a lease of " + options.ttl().toMillis() + " ms ("
            + ((NodeApi.Reply.Response) reply).body().path("detail").asText("") + "); it must be at least"
            + " 2 x electionTimeoutMax of the node settings");
      }
      return null;
    }
    JsonNode token = ((NodeApi.Reply.Response) reply).body().path("token");
    if (!token.canConvertToLong() || !token.isIntegralNumber()) {
      // Granted, but under a token we cannot tell: as good as an unknown outcome.
      session.complete(OpType.INFO, "acquire", lock, owner, nodeId, "malformed 200 body");
      return null;
    }
    session.complete(OpType.OK, "acquire", lock, owner, token.asLong(), nodeId, null);
    return new Lease(lock, resource, token.asLong());
  }

  /** Writes a unique value to the lease's resource under its token. */
  WriteResult guardedWrite(WorkloadContext context, ClientSession session, Lease lease, int node)
      throws InterruptedException {
    String nodeId = context.nodeId(node);
    String value = session.uniqueValue();
    int process = session.process(); // complete() may move the session on to a fresh process
    long invoked = session.invoke("guarded-write", lease.resource(), value, lease.token(), nodeId);
    NodeApi.Reply reply = context.api().put(context.nodeUrl(node), "/v1/guarded/" + encode(lease.resource()),
        JSON.objectNode().put("token", lease.token()).put("value", value).toString(), Map.of());
    Outcomes.Outcome outcome = Outcomes.classify(true, reply);
    long acked = session.complete(outcome.type(), "guarded-write", lease.resource(), value, nodeId, outcome.error());
    if (outcome.type() == OpType.OK) {
      context.guarded().ifPresent(g -> g.accepted(
          GuardedWrite.of(lease.resource(), lease.token(), value, process, invoked, acked)));
      return WriteResult.ACCEPTED;
    }
    return "FENCED".equals(outcome.error()) ? WriteResult.FENCED : WriteResult.OTHER;
  }

  /** Releases the lease. */
  void release(WorkloadContext context, ClientSession session, Lease lease, int node) throws InterruptedException {
    String nodeId = context.nodeId(node);
    session.invoke("release", lease.lock(), null, lease.token(), nodeId);
    NodeApi.Reply reply = context.api().delete(context.nodeUrl(node), "/v1/locks/" + encode(lease.lock()),
        JSON.objectNode().put("token", lease.token()).toString());
    Outcomes.Outcome outcome = Outcomes.classify(true, reply);
    session.complete(outcome.type(), "release", lease.lock(), null, nodeId, outcome.error());
  }

  /** Records a linearizable read of a guarded resource; returns whether it returned. */
  boolean read(WorkloadContext context, ClientSession session, String resource, int node)
      throws InterruptedException {
    String nodeId = context.nodeId(node);
    session.invoke("guarded-read", resource, null, nodeId);
    NodeApi.Reply reply = context.api().get(context.nodeUrl(node),
        "/v1/guarded/" + encode(resource) + "?consistency=linearizable");
    Outcomes.Outcome outcome = Outcomes.classify(false, reply);
    if (outcome.type() != OpType.OK) {
      session.complete(OpType.FAIL, "guarded-read", resource, null, nodeId, outcome.error());
      return false;
    }
    NodeApi.Reply.Response r = (NodeApi.Reply.Response) reply;
    if (r.status() == 404) {
      session.complete(OpType.OK, "guarded-read", resource, null, nodeId, null);
      return true;
    }
    JsonNode value = r.body().path("value");
    JsonNode token = r.body().path("token");
    if (!value.isTextual() || !token.isIntegralNumber() || !token.canConvertToLong()) {
      // A 200 we cannot read tells us nothing about the resource; a read has no effect, so fail.
      session.complete(OpType.FAIL, "guarded-read", resource, null, nodeId, "malformed 200 body");
      return false;
    }
    session.complete(OpType.OK, "guarded-read", resource, value.asText(), token.asLong(), nodeId, null);
    return true;
  }

  private static String encode(String name) {
    return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
