package io.splitguard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Automatic demotion on three node JVMs with short settings: a stopped (SIGSTOP) follower first
 * gets a pending-eviction alert while it is still a voter, is demoted by the leader after the
 * grace, the cluster keeps taking writes, and after it resumes and the stability window passes it
 * is promoted back.
 */
@ExtendWith(LocalClusters.Resolver.class)
class AutoDemotionIT {
  private static final String SETTINGS = """
      membership:
        autoDemote: true
        unhealthyAfter: 1s
        grace: 3s
        stabilityWindow: 4s
        recoverAfter: 2s
      """;

  private JsonNode alertFor(LocalCluster cluster, int leader, String member) {
    JsonNode status = cluster.http.get(cluster.url(leader) + "/v1/status").json();
    for (JsonNode a : status.path("membership").path("pendingEvictions")) {
      if (a.get("member").asText().equals(member)) {
        return a;
      }
    }
    return null;
  }

  @Test
  void aStoppedFollowerIsAlertedThenDemotedAfterTheGraceAndPromotedBackAfterItResumes(LocalClusters clusters)
      throws Exception {
    LocalCluster cluster = clusters.create(3, SETTINGS);
    cluster.startAll();
    int leader = cluster.awaitLeader();
    int follower = (leader + 1) % 3;
    String followerId = LocalCluster.id(follower);
    assertThat(cluster.http.put(cluster.url(leader) + "/v1/kv/k", Http.body("v0"), null).status()).isEqualTo(200);

    // A JVM that just started may report itself UNHEALTHY for a while (a start-up pause counts
    // for 10 s); wait until every member is healthy and no alert is pending, so that the alert
    // below is the pause's doing.
    await("all members healthy, no alert pending").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> {
          JsonNode status = cluster.http.get(cluster.url(leader) + "/v1/status").json();
          for (JsonNode m : status.get("members")) {
            if (!"HEALTHY".equals(m.path("health").asText())) {
              return false;
            }
          }
          return status.path("membership").path("pendingEvictions").isEmpty();
        });
    cluster.pause(follower);
    try {
      JsonNode alert = await("a pending-eviction alert for the stopped follower").atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> alertFor(cluster, leader, followerId), a -> a != null);
      assertThat(alert.get("troubles").toString()).contains("UNREACHABLE");
      assertThat(cluster.roles(leader)).as("still a voter while the alert is pending").containsEntry(followerId, "VOTER");
      JsonNode members = cluster.http.get(cluster.url(leader) + "/v1/members").json();
      assertThat(members.path("membership").path("pendingEvictions").toString()).contains(followerId);

      await("demoted after the grace").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> "LISTENER".equals(cluster.roles(leader).get(followerId)));
      for (int i = 1; i <= 5; i++) {
        Http.Response w = cluster.http.put(cluster.url(leader) + "/v1/kv/k", Http.body("v" + i), null);
        assertThat(w.status()).as(w.body()).isEqualTo(200);
      }
      // The detector follows the configuration within a look (250 ms) and the reported status
      // changes after the 300 ms debounce.
      await("a silent listener does not degrade the voters").atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> {
            JsonNode status = cluster.http.get(cluster.url(leader) + "/v1/status").json();
            return status.get("quorum").asBoolean() && status.get("partitionStatus").asText().equals("HEALTHY");
          });
    } finally {
      cluster.resume(follower);
    }

    await("promoted back once recovered and the window passed").atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> "VOTER".equals(cluster.roles(leader).get(followerId)));
    assertThat(cluster.http.put(cluster.url(leader) + "/v1/kv/k", Http.body("after"), null).status()).isEqualTo(200);

    // The leader's audit log tells the story in order.
    String audit = Files.readString(cluster.dataDir(leader).resolve("audit.log"));
    int pending = audit.indexOf("\"eviction_pending\"");
    int demoted = audit.indexOf("\"auto_demotion\"");
    int promoted = audit.indexOf("\"auto_promotion\"");
    assertThat(List.of(pending, demoted, promoted)).as(audit).doesNotContain(-1);
    assertThat(pending).isLessThan(demoted);
    assertThat(demoted).isLessThan(promoted);
  }
}
