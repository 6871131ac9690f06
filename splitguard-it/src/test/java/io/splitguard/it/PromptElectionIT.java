package io.splitguard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Prompt elections on three node JVMs: a follower that hears no one asks the others and, with no
 * silent majority to agree, never starts an election (its term stays); a killed leader is
 * replaced through a prompt election.
 */
@ExtendWith(LocalClusters.Resolver.class)
class PromptElectionIT {
  /**
   * Election timeouts of 1-10 s: Ratis' own follower timer then practically never fires within the
   * few tens of milliseconds after {@code electionTimeoutMin} in which a prompt election starts,
   * so which of the two elected the successor is not left to chance.
   */
  private static final String WIDE_TIMEOUTS = "electionTimeoutMin: 1s\nelectionTimeoutMax: 10s\nrequestTimeout: 20s\n";

  /** A started cluster and its leader. */
  private record Started(LocalCluster cluster, int leader) {}

  /** How both tests open: a leader all nodes agree on, and key {@code k} written through it. */
  private Started startedWithOneWrite(LocalClusters clusters) throws Exception {
    LocalCluster cluster = clusters.create(3, WIDE_TIMEOUTS);
    cluster.startAll();
    int leader = cluster.awaitLeader();
    assertThat(cluster.http.put(cluster.url(leader) + "/v1/kv/k", Http.body("v"), null).status()).isEqualTo(200);
    return new Started(cluster, leader);
  }

  private long term(LocalCluster cluster, int node) {
    return cluster.http.get(cluster.url(node) + "/v1/status").json().get("term").asLong();
  }

  private double promptElections(LocalCluster cluster, int node, String result) {
    String metrics = cluster.http.get(cluster.url(node) + "/metrics").body();
    Matcher m = Pattern.compile("prompt_elections_total\\{[^}]*result=\"" + result + "\"[^}]*} ([0-9.E]+)").matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  @Test
  void aFollowerThatHearsNoOneAsksButStartsNoElection(LocalClusters clusters) throws Exception {
    Started started = startedWithOneWrite(clusters);
    LocalCluster cluster = started.cluster();
    int leader = started.leader();
    int follower = cluster.others(leader).get(0);
    long termBefore = term(cluster, follower);

    List<Integer> paused = cluster.others(follower);
    for (int p : paused) {
      cluster.pause(p);
    }
    try {
      // Its turn comes after electionTimeoutMin of silence; nobody answers the question.
      await("the follower asked and was held back").atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> promptElections(cluster, follower, "held") >= 1);
      assertThat(promptElections(cluster, follower, "started")).isZero();
      assertThat(term(cluster, follower)).isEqualTo(termBefore);
    } finally {
      for (int p : paused) {
        cluster.resume(p);
      }
    }
    cluster.awaitLeader();
  }

  @Test
  void aKilledLeaderIsReplacedThroughAPromptElection(LocalClusters clusters) throws Exception {
    Started started = startedWithOneWrite(clusters);
    LocalCluster cluster = started.cluster();
    int leader = started.leader();
    List<Integer> survivors = cluster.others(leader);
    // Both followers have heard the leader since they became followers.
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> survivors.stream()
        .allMatch(s -> !cluster.http.get(cluster.url(s) + "/v1/internal/raft/leader-contact").json()
            .get("leaderId").isNull()));

    cluster.kill(leader);
    // Right after the kill the survivors still name the old leader: wait for them to agree on another.
    int successor = await("a successor").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(cluster::awaitLeader, l -> l != leader);
    assertThat(survivors).contains(successor);
    assertThat(survivors.stream().mapToDouble(s -> promptElections(cluster, s, "started")).sum())
        .isGreaterThanOrEqualTo(1);
    assertThat(cluster.http.put(cluster.url(successor) + "/v1/kv/k", Http.body("w"), null).status()).isEqualTo(200);
  }
}
