package io.splitguard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A brand-new fourth node joins a running three-node cluster: started with {@code --join}, added
 * as a listener with the CLI, it catches up (serves a value written before it existed), is
 * heartbeated and shown by the others, is promoted once caught up, and the cluster stays writable.
 * Bad additions are refused with the field named.
 */
@ExtendWith(LocalClusters.Resolver.class)
class JoinIT {
  private Http.Response post(LocalCluster cluster, String url, String body) {
    return cluster.http.send(HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)), Duration.ofSeconds(15));
  }

  private JsonNode member(JsonNode status, String id) {
    for (JsonNode m : status.get("members")) {
      if (m.get("id").asText().equals(id)) {
        return m;
      }
    }
    return null;
  }

  @Test
  void aNewNodeJoinsAsAListenerCatchesUpIsPromotedAndTheClusterStaysWritable(LocalClusters clusters) throws Exception {
    LocalCluster cluster = clusters.create(4, null);
    Path firstThree = cluster.clusterFileOfFirst(3);
    for (int i = 0; i < 3; i++) {
      cluster.start(i, firstThree);
    }
    int leader = cluster.awaitLeader();
    int follower = (leader + 1) % 3;
    assertThat(cluster.http.put(cluster.url(leader) + "/v1/kv/before-join", Http.body("written-by-three"), null).status())
        .isEqualTo(200);

    // Bad additions change nothing and name the field.
    Http.Response badRaft = post(cluster, cluster.url(leader) + "/v1/members",
        "{\"id\": \"n4\", \"raft\": \"no-port\", \"api\": \"127.0.0.1:" + cluster.apiPort(3) + "\"}");
    assertThat(badRaft.status()).isEqualTo(400);
    assertThat(badRaft.json().get("detail").asText()).startsWith("raft:");
    Http.Response noApi = post(cluster, cluster.url(leader) + "/v1/members",
        "{\"id\": \"n4\", \"raft\": \"127.0.0.1:" + cluster.raftPort(3) + "\"}");
    assertThat(noApi.status()).isEqualTo(400);
    assertThat(noApi.json().get("detail").asText()).isEqualTo("api: required");
    Http.Response badId = post(cluster, cluster.url(leader) + "/v1/members",
        "{\"id\": \"n 4\", \"raft\": \"127.0.0.1:1\", \"api\": \"127.0.0.1:2\"}");
    assertThat(badId.status()).isEqualTo(400);
    assertThat(badId.json().get("detail").asText()).startsWith("id:");
    Http.Response taken = post(cluster, cluster.url(leader) + "/v1/members",
        "{\"id\": \"n4\", \"raft\": \"127.0.0.1:" + cluster.raftPort(follower) + "\", \"api\": \"127.0.0.1:"
            + cluster.apiPort(3) + "\"}");
    assertThat(taken.status()).isEqualTo(409);
    assertThat(taken.json().get("detail").asText()).startsWith("raft: 127.0.0.1:" + cluster.raftPort(follower)
        + " is already used by member " + LocalCluster.id(follower));
    Http.Response existing = post(cluster, cluster.url(leader) + "/v1/members",
        "{\"id\": \"" + LocalCluster.id(follower) + "\", \"raft\": \"127.0.0.1:" + cluster.raftPort(3)
            + "\", \"api\": \"127.0.0.1:" + cluster.apiPort(3) + "\"}");
    assertThat(existing.status()).isEqualTo(409);
    assertThat(cluster.roles(leader)).containsOnlyKeys("n1", "n2", "n3");

    // The new node starts with the full cluster file and waits to be added.
    cluster.start(3, cluster.clusterFile(), "--join");
    await("the joining node serves its API").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> cluster.http.tryGet(cluster.url(3) + "/v1/status") != null);

    // Added with the CLI, through a follower (which forwards to the leader).
    Path out = clusters.dir().resolve("members-add.out");
    Process cli = LocalCluster.launch(out, List.of("members", "add", "n4",
        "--raft", "127.0.0.1:" + cluster.raftPort(3), "--api", "127.0.0.1:" + cluster.apiPort(3),
        "--endpoints", cluster.url(follower)));
    assertThat(cli.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(cli.exitValue()).as(Files.readString(out)).isZero();
    assertThat(Files.readString(out)).containsPattern("n4\\s+LISTENER");
    assertThat(cluster.roles(leader)).containsEntry("n4", "LISTENER").containsEntry("n1", "VOTER");

    await("n4 caught up: it serves the value written before it existed").atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> {
          Http.Response r = cluster.http.tryGet(cluster.url(3) + "/v1/kv/before-join?consistency=stale");
          return r != null && r.status() == 200 && "written-by-three".equals(r.json().get("value").asText());
        });
    await("n4 reports itself a listener, heartbeats flow both ways").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> {
          JsonNode own = cluster.http.get(cluster.url(3) + "/v1/status").json();
          JsonNode seenByLeader = member(cluster.http.get(cluster.url(leader) + "/v1/status").json(), "n4");
          JsonNode leaderSeenByN4 = member(own, LocalCluster.id(leader));
          return own.get("role").asText().equals("LISTENER")
              && seenByLeader != null && seenByLeader.get("reachable").asBoolean()
              && "LISTENER".equals(seenByLeader.path("role").asText())
              && leaderSeenByN4 != null && leaderSeenByN4.get("reachable").asBoolean();
        });
    await("the leader reports n4 within the promotion bound").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> {
          for (JsonNode m : cluster.http.get(cluster.url(leader) + "/v1/members").json().get("members")) {
            if (m.get("id").asText().equals("n4")) {
              return m.has("lagEntries") && m.get("lagEntries").asLong() <= 100;
            }
          }
          return false;
        });

    Http.Response promote = post(cluster, cluster.url(3) + "/v1/members/n4/promote", "{}");
    assertThat(promote.status()).as(promote.body()).isEqualTo(200);
    assertThat(cluster.roles(leader)).containsOnly(Map.entry("n1", "VOTER"), Map.entry("n2", "VOTER"),
        Map.entry("n3", "VOTER"), Map.entry("n4", "VOTER"));
    await("n4 votes and follows").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> cluster.http.get(cluster.url(3) + "/v1/status").json().get("role").asText().equals("FOLLOWER"));
    JsonNode leaderStatus = cluster.http.get(cluster.url(leader) + "/v1/status").json();
    assertThat(leaderStatus.get("partitionStatus").asText()).isIn("HEALTHY", "DEGRADED");
    assertThat(member(leaderStatus, "n4")).isNotNull();

    // Still writable, and the new voter applies new writes.
    Http.Response after = cluster.http.put(cluster.url(leader) + "/v1/kv/after-join", Http.body("four"), null);
    assertThat(after.status()).as(after.body()).isEqualTo(200);
    await("n4 applies a write made after its promotion").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> {
          Http.Response r = cluster.http.tryGet(cluster.url(3) + "/v1/kv/after-join?consistency=stale");
          return r != null && r.status() == 200 && "four".equals(r.json().get("value").asText());
        });
  }
}
