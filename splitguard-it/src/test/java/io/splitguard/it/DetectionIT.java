package io.splitguard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Failure detection on three node JVMs: a stopped follower is seen as unreachable (phi over the
 * threshold) and the others report DEGRADED within about 2 s; after it resumes they return to
 * HEALTHY. Status also shows each peer's reported health and heartbeat round trip.
 */
@ExtendWith(LocalClusters.Resolver.class)
class DetectionIT {
  private JsonNode status(LocalCluster cluster, int node) {
    return cluster.http.get(cluster.url(node) + "/v1/status").json();
  }

  private JsonNode member(JsonNode status, String id) {
    for (JsonNode m : status.get("members")) {
      if (m.get("id").asText().equals(id)) {
        return m;
      }
    }
    throw new AssertionError("no member " + id + " in " + status);
  }

  @Test
  void aStoppedFollowerIsSeenUnreachableAndDegradedWithinAboutTwoSecondsAndHealthyAfterResume(LocalClusters clusters)
      throws Exception {
    LocalCluster cluster = clusters.create(3, null);
    cluster.startAll();
    int leader = cluster.awaitLeader();
    int follower = (leader + 1) % 3;
    int other = (leader + 2) % 3;
    String followerId = LocalCluster.id(follower);
    await("all healthy, with round trips measured").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> {
          for (int i = 0; i < 3; i++) {
            JsonNode s = status(cluster, i);
            if (!s.get("partitionStatus").asText().equals("HEALTHY")) {
              return false;
            }
          }
          return !member(status(cluster, leader), followerId).get("rttMs").isNull();
        });
    JsonNode healthy = member(status(cluster, leader), followerId);
    assertThat(healthy.get("health").asText()).isIn("HEALTHY", "DEGRADED", "UNHEALTHY");
    assertThat(healthy.get("rttMs").asDouble()).isGreaterThanOrEqualTo(0);
    assertThat(status(cluster, leader).get("health").get("level").asText()).isNotEmpty();

    cluster.pause(follower);
    long stopped = System.nanoTime();
    try {
      await("the others see it unreachable and report DEGRADED").atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> {
            for (int i : new int[] {leader, other}) {
              JsonNode s = status(cluster, i);
              JsonNode m = member(s, followerId);
              if (m.get("reachable").asBoolean() || !s.get("partitionStatus").asText().equals("DEGRADED")) {
                return false;
              }
            }
            return true;
          });
      long tookMs = (System.nanoTime() - stopped) / 1_000_000;
      System.out.printf("detection: DEGRADED on both others %d ms after SIGSTOP%n", tookMs);
      assertThat(member(status(cluster, leader), followerId).get("phi").asDouble()).isGreaterThanOrEqualTo(8.0);
      assertThat(status(cluster, leader).get("quorum").asBoolean()).isTrue();
      // "About 2 s": the detection bound with defaults is ~1.2 s, plus the 300 ms debounce and
      // polling; a generous ceiling keeps a loaded machine from failing a correct detector.
      assertThat(tookMs).isLessThan(5_000);
    } finally {
      cluster.resume(follower);
    }
    await("back to HEALTHY").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> status(cluster, leader).get("partitionStatus").asText().equals("HEALTHY")
            && status(cluster, other).get("partitionStatus").asText().equals("HEALTHY"));
  }
}
