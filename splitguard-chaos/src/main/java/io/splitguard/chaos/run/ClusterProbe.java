package io.splitguard.chaos.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Asks the nodes' {@code /v1/status} who leads. Nodes are asked in parallel with a short timeout,
 * so a paused node costs one timeout, not one per node.
 */
final class ClusterProbe implements AutoCloseable {
  /** A node's answer, reduced to what leader finding needs. */
  record NodeStatus(int index, String role, String leaderId, long term) {}

  private final ClusterLauncher cluster;
  private final NodeApi api;
  private final ExecutorService pool;

  ClusterProbe(ClusterLauncher cluster, NodeApi api) {
    this.cluster = cluster;
    this.api = api;
    this.pool = Executors.newFixedThreadPool(cluster.size(), r -> {
      Thread t = new Thread(r, "chaos-probe");
      t.setDaemon(true);
      return t;
    });
  }

  /** The statuses of the nodes that answered. */
  List<NodeStatus> statuses() throws InterruptedException {
    List<Future<NodeApi.Reply>> replies = new ArrayList<>();
    for (int i = 0; i < cluster.size(); i++) {
      int index = i;
      replies.add(pool.submit(() -> api.get(cluster.apiUrl(index), "/v1/status")));
    }
    List<NodeStatus> statuses = new ArrayList<>();
    for (int i = 0; i < replies.size(); i++) {
      try {
        if (replies.get(i).get() instanceof NodeApi.Reply.Response r && r.status() == 200) {
          JsonNode b = r.body();
          JsonNode leader = b.path("leaderId");
          statuses.add(new NodeStatus(i, b.path("role").asText(""),
              leader.isTextual() ? leader.asText() : null, b.path("term").asLong(-1)));
        }
      } catch (ExecutionException e) {
        // no answer from this node
      }
    }
    return statuses;
  }

  /**
   * Each answering node's self-fencing counters from {@code /v1/status}: node id to {@code
   * [fencings, splitBrainSuspicions]}.
   */
  Map<String, long[]> fencingCounters() throws InterruptedException {
    Map<String, long[]> out = new java.util.LinkedHashMap<>();
    for (int i = 0; i < cluster.size(); i++) {
      if (!cluster.isRunning(i) || cluster.isPaused(i)) {
        continue;
      }
      if (api.get(cluster.apiUrl(i), "/v1/status") instanceof NodeApi.Reply.Response r && r.status() == 200) {
        out.put(cluster.nodeId(i), new long[] {r.body().path("fencings").asLong(0),
            r.body().path("splitBrainSuspicions").asLong(0)});
      }
    }
    return out;
  }

  /**
   * The leader right now: the node that says it leads with the highest term; failing that, the
   * leader most nodes name in the highest term they report.
   */
  Optional<Integer> leader() throws InterruptedException {
    return leaderOf(statuses(), cluster);
  }

  static Optional<Integer> leaderOf(List<NodeStatus> statuses, ClusterLauncher cluster) {
    NodeStatus best = null;
    for (NodeStatus s : statuses) {
      if ("LEADER".equalsIgnoreCase(s.role()) && (best == null || s.term() > best.term())) {
        best = s;
      }
    }
    if (best != null) {
      return Optional.of(best.index());
    }
    long term = statuses.stream().filter(s -> s.leaderId() != null).mapToLong(NodeStatus::term).max().orElse(-1);
    Map<String, Integer> votes = new HashMap<>();
    for (NodeStatus s : statuses) {
      if (s.leaderId() != null && s.term() == term) {
        votes.merge(s.leaderId(), 1, Integer::sum);
      }
    }
    return votes.entrySet().stream().max(Map.Entry.comparingByValue())
        .map(e -> cluster.indexOf(e.getKey())).filter(i -> i >= 0);
  }

  /**
   * A leader every running, unpaused node agrees on and that says it leads, or empty. This is the
   * condition for starting a workload (and for calling a cluster recovered).
   */
  Optional<Integer> agreedLeader() throws InterruptedException {
    List<NodeStatus> statuses = statuses();
    String leader = null;
    int expected = 0;
    for (int i = 0; i < cluster.size(); i++) {
      if (cluster.isRunning(i) && !cluster.isPaused(i)) {
        expected++;
      }
    }
    if (statuses.size() < expected) {
      return Optional.empty();
    }
    for (NodeStatus s : statuses) {
      if (s.leaderId() == null || (leader != null && !leader.equals(s.leaderId()))) {
        return Optional.empty();
      }
      leader = s.leaderId();
    }
    if (leader == null) {
      return Optional.empty();
    }
    String agreed = leader;
    boolean claims = statuses.stream().anyMatch(s -> cluster.nodeId(s.index()).equals(agreed)
        && "LEADER".equalsIgnoreCase(s.role()));
    return claims ? Optional.of(cluster.indexOf(agreed)) : Optional.empty();
  }

  /** Polls {@link #agreedLeader()} every 200 ms until it holds or {@code timeout} passes. */
  Optional<Integer> awaitAgreedLeader(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<Integer> leader = agreedLeader();
      if (leader.isPresent() || System.nanoTime() - deadline >= 0) {
        return leader;
      }
      TimeUnit.MILLISECONDS.sleep(200); // polling interval while a cluster elects
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
