package io.splitguard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Self-fencing on three node JVMs: a leader whose followers stop answering fences itself (fence
 * file removed, fence command run, write gate closed, no longer leader) before the others could
 * elect a successor, rejoins as a follower, and only the legitimate leader ever holds the fence
 * file; a leader stopped for longer than its lease refuses writes from the moment it resumes.
 */
@ExtendWith(LocalClusters.Resolver.class)
class FencingIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The default minimum election timeout: the fence-before-elect deadline. */
  private static final long ELECTION_TIMEOUT_MIN_MS = 1000;
  /** The default fencing.pauseThreshold: a longer scheduling gap is a process pause. */
  private static final long PAUSE_THRESHOLD_MS = 300;

  /** A field, unlike in the other ITs, so that {@link #stop} can keep its logs after the test. */
  private LocalCluster cluster;

  @AfterEach
  void stop(org.junit.jupiter.api.TestInfo test) throws Exception {
    if (cluster != null) {
      // Before LocalClusters closes it: only then are the logs complete, and still there to copy.
      cluster.close();
      // Keep the node logs and audit logs under target/ for a post-mortem.
      Path keep = Path.of("target", "fencing-it", test.getTestMethod().orElseThrow().getName());
      for (int i = 0; i < 3; i++) {
        Files.createDirectories(keep);
        Path log = cluster.dataDir(i).resolveSibling(LocalCluster.id(i) + ".log");
        Path auditLog = cluster.dataDir(i).resolve("audit.log");
        if (Files.exists(log)) {
          Files.copy(log, keep.resolve(LocalCluster.id(i) + ".log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        if (Files.exists(auditLog)) {
          Files.copy(auditLog, keep.resolve(LocalCluster.id(i) + "-audit.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  private LocalCluster start(LocalClusters clusters) throws Exception {
    Path commandLog = clusters.dir().resolve("fence-commands.log");
    String settings = "fencing:\n"
        + "  file: primary\n"
        + "  command: [/bin/sh, -c, 'echo \"$SPLITGUARD_NODE_ID $SPLITGUARD_FENCE_REASON $SPLITGUARD_TERM "
        + "$SPLITGUARD_WAS_LEADER\" >> " + commandLog + "']\n";
    cluster = clusters.create(3, settings);
    cluster.startAll();
    cluster.awaitLeader();
    return cluster;
  }

  private Path fenceFile(int node) {
    return cluster.dataDir(node).resolve("primary");
  }

  private JsonNode status(int node) {
    return cluster.http.get(cluster.url(node) + "/v1/status").json();
  }

  private List<JsonNode> audit(int node, String event) throws IOException {
    List<JsonNode> records = new ArrayList<>();
    for (String line : Files.readAllLines(cluster.dataDir(node).resolve("audit.log"))) {
      JsonNode r = JSON.readTree(line);
      if (r.get("event").asText().equals(event)) {
        records.add(r);
      }
    }
    return records;
  }

  /** Only the node that every running node agrees leads holds the fence file, naming its term. */
  private void awaitFenceFileOnlyOnTheLeader() {
    await("the fence file on the agreed leader only").atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
          int leader = cluster.awaitLeader();
          long term = status(leader).get("term").asLong();
          assertThat(fenceFile(leader)).content().isEqualTo("node=" + LocalCluster.id(leader) + "\nterm=" + term + "\n");
          for (int i = 0; i < 3; i++) {
            if (i != leader) {
              assertThat(fenceFile(i)).doesNotExist();
            }
          }
        });
  }

  @Test
  void aLeaderCutOffFromItsFollowersFencesItselfBeforeAnElectionCouldEndAndRejoinsAsFollower(LocalClusters clusters)
      throws Exception {
    start(clusters);
    awaitFenceFileOnlyOnTheLeader();
    int leader = cluster.awaitLeader();
    long term = status(leader).get("term").asLong();
    assertThat(cluster.http.put(cluster.url(leader) + "/v1/kv/before", Http.body("x"), null).status())
        .isEqualTo(200);
    List<Integer> followers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      if (i != leader) {
        followers.add(i);
      }
    }

    long pausedAtMs = System.currentTimeMillis();
    for (int f : followers) {
      cluster.pause(f);
    }
    try {
      await("the old leader fenced").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
          .until(() -> status(leader).get("fenced").asBoolean());
      // The gate closes first; the actuators and their audit lines follow within the same look.
      await("the fencing audited").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
          .until(() -> !audit(leader, "node_fenced").isEmpty() && !Files.exists(fenceFile(leader)));
      JsonNode fencedStatus = status(leader);
      assertThat(fencedStatus.get("fencedReason").asText()).isIn("LEADER_LEASE_EXPIRED", "QUORUM_LOST");
      assertThat(fencedStatus.get("primary").asBoolean()).isFalse();
      assertThat(fenceFile(leader)).doesNotExist();

      // Fence before elect, on one host's clock: the audit record of the fencing (written after
      // the fence file was removed) is earlier than the earliest moment the followers could have
      // elected a successor, had they been running.
      List<JsonNode> fencings = audit(leader, "node_fenced");
      JsonNode fenced = fencings.get(fencings.size() - 1);
      JsonNode removed = audit(leader, "fence_file_removed").get(0);
      long fencedAfterMs = fenced.get("timeMs").asLong() - pausedAtMs;
      System.out.printf("fencing: fenced %d ms after the followers stopped (%s), deadline %d ms%n",
          fencedAfterMs, fenced.get("detail").asText(), ELECTION_TIMEOUT_MIN_MS);
      assertThat(removed.get("seq").asLong()).isLessThan(fenced.get("seq").asLong());
      assertThat(fencedAfterMs).isLessThan(ELECTION_TIMEOUT_MIN_MS);
      assertThat(fenced.get("wasLeader").asBoolean()).isTrue();
      assertThat(fenced.get("term").asLong()).isEqualTo(term);

      // The fence command ran with the node, reason and term, and its outcome is audited.
      await("the fence command ran").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
          .until(() -> !audit(leader, "fence_command").isEmpty());
      assertThat(audit(leader, "fence_command").get(0).get("outcome").asText()).isEqualTo("SUCCEEDED");
      assertThat(Files.readString(clusters.dir().resolve("fence-commands.log")))
          .contains(LocalCluster.id(leader) + " " + fenced.get("reason").asText() + " " + term + " true");

      // Writes through it are refused at once; it gives up leadership.
      Http.Response refused = cluster.http.put(cluster.url(leader) + "/v1/kv/during", Http.body("y"), null);
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.code()).isEqualTo("PARTITIONED");
      await("the old leader stepped down").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
          .until(() -> !status(leader).get("role").asText().equals("LEADER"));
      String metrics = cluster.http.get(cluster.url(leader) + "/metrics").body();
      assertThat(metrics).contains("node_fenced{node=\"" + LocalCluster.id(leader) + "\"} 1.0");
      assertThat(metrics).contains("fencing_actuator_seconds_count{actuator=\"file\"");
      assertThat(fenceFile(leader)).doesNotExist();
    } finally {
      for (int f : followers) {
        cluster.resume(f);
      }
    }

    // Healed: it is unfenced, the write that was refused never happened, and the fence file is
    // back only on whoever legitimately leads now.
    await("all unfenced").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> {
          for (int i = 0; i < 3; i++) {
            if (status(i).get("fenced").asBoolean()) {
              return false;
            }
          }
          return true;
        });
    awaitFenceFileOnlyOnTheLeader();
    int now = cluster.awaitLeader();
    assertThat(cluster.http.get(cluster.url(now) + "/v1/kv/during").status()).isEqualTo(404);
    assertThat(cluster.http.get(cluster.url(now) + "/v1/kv/before").json().get("value").asText()).isEqualTo("x");
    assertThat(cluster.http.put(cluster.url(leader) + "/v1/kv/after", Http.body("z"), null).status()).isEqualTo(200);
    assertThat(audit(leader, "node_unfenced")).isNotEmpty();
    for (int i = 0; i < 3; i++) {
      assertThat(cluster.http.get(cluster.url(i) + "/metrics").body())
          .contains("split_brain_detected{node=\"" + LocalCluster.id(i) + "\"} 0.0");
    }
  }

  @Test
  void aLeaderStoppedUntilASuccessorIsElectedRefusesWritesFromTheMomentItResumes(LocalClusters clusters)
      throws Exception {
    start(clusters);
    awaitFenceFileOnlyOnTheLeader();
    int leader = cluster.awaitLeader();
    List<Integer> others = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      if (i != leader) {
        others.add(i);
      }
    }
    cluster.pause(leader);
    int successor;
    try {
      successor = await("a successor").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
          .until(() -> agreedLeaderAmong(others), l -> l.isPresent() && l.get() != leader).orElseThrow();
      // The stopped process cannot remove its own file; that is what the fence command and the
      // resume check are for, and what docs/fencing.md says about pauses.
      assertThat(fenceFile(leader)).exists();
    } finally {
      cluster.resume(leader);
    }
    // No waiting: the first write after the resume is already refused.
    Http.Response first = cluster.http.put(cluster.url(leader) + "/v1/kv/after-pause", Http.body("stale"), null);
    assertThat(first.status()).isEqualTo(503);
    assertThat(first.code()).isEqualTo("PARTITIONED");
    assertThat(first.json().get("fencedReason").asText()).isEqualTo("PROCESS_PAUSE");
    await("the paused leader removed its fence file").atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20)).until(() -> !Files.exists(fenceFile(leader)));
    await("the pause audited").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
        .until(() -> !audit(leader, "process_pause").isEmpty());
    // The longest pause is the stop; a starved host may have audited shorter ones before it. The
    // stop lasted until a successor was elected: electionTimeoutMin after the followers last heard
    // the leader, which may have been up to one idle heartbeat (electionTimeoutMin / 2) before the
    // stop, so at least 500 ms; and anything over fencing.pauseThreshold (300 ms) is a pause.
    long longestPauseMs = audit(leader, "process_pause").stream()
        .mapToLong(p -> p.get("pauseMs").asLong()).max().orElseThrow();
    assertThat(longestPauseMs).isGreaterThan(PAUSE_THRESHOLD_MS);
    assertThat(cluster.http.get(cluster.url(successor) + "/v1/kv/after-pause").status()).isEqualTo(404);
    awaitFenceFileOnlyOnTheLeader();
    assertThat(cluster.http.get(cluster.url(leader) + "/metrics").body())
        .contains("process_pauses_total{node=\"" + LocalCluster.id(leader) + "\"}");
  }

  private Optional<Integer> agreedLeaderAmong(List<Integer> nodes) {
    String leader = null;
    for (int i : nodes) {
      Http.Response r = cluster.http.tryGet(cluster.url(i) + "/v1/status");
      if (r == null || r.status() != 200) {
        return Optional.empty();
      }
      JsonNode l = r.json().get("leaderId");
      if (l == null || l.isNull() || (leader != null && !leader.equals(l.asText()))) {
        return Optional.empty();
      }
      leader = l.asText();
    }
    return leader == null ? Optional.empty() : Optional.of(Integer.parseInt(leader.substring(1)) - 1);
  }
}
