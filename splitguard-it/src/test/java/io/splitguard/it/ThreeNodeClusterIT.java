package io.splitguard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Three separate node JVMs on loopback, started through the real main class: the foundation's
 * guarantees as a user meets them. Timing bounds are deadlines for polling, never sleeps.
 */
@ExtendWith(LocalClusters.Resolver.class)
class ThreeNodeClusterIT {
  private LocalCluster start(LocalClusters clusters, String settingsYaml) throws Exception {
    LocalCluster cluster = clusters.create(3, settingsYaml);
    cluster.startAll();
    cluster.awaitLeader();
    return cluster;
  }

  @Test
  void writesThroughEachNodeAreReadThroughTheOthers(LocalClusters clusters) throws Exception {
    LocalCluster cluster = start(clusters, null);
    // Each node JVM pools Raft's async continuations instead of starting a thread per log append.
    for (int node = 0; node < 3; node++) {
      String log = cluster.log(node);
      Matcher parallelism = Pattern.compile("event=node_started .*commonPoolParallelism=(\\d+)").matcher(log);
      assertThat(parallelism.find()).as(log).isTrue();
      assertThat(Integer.parseInt(parallelism.group(1))).isGreaterThanOrEqualTo(2);
      assertThat(log).doesNotContain("common_pool_too_small");
    }
    Http http = cluster.http;
    for (int writer = 0; writer < 3; writer++) {
      Http.Response put = http.put(cluster.url(writer) + "/v1/kv/key-" + writer, Http.body("from-n" + (writer + 1)), null);
      assertThat(put.status()).as(put.body()).isEqualTo(200);
      assertThat(put.json().get("revision").asLong()).isPositive();
    }
    for (int reader = 0; reader < 3; reader++) {
      for (int writer = 0; writer < 3; writer++) {
        Http.Response get = http.get(cluster.url(reader) + "/v1/kv/key-" + writer);
        assertThat(get.status()).as(get.body()).isEqualTo(200);
        assertThat(get.json().get("value").asText()).isEqualTo("from-n" + (writer + 1));
        assertThat(get.json().has("stale")).isFalse();
      }
    }
    // Compare-and-set through a follower, on the modification revision.
    int follower = (cluster.awaitLeader() + 1) % 3;
    long revision = http.get(cluster.url(0) + "/v1/kv/key-0").json().get("revision").asLong();
    Http.Response stale = http.put(cluster.url(follower) + "/v1/kv/key-0", Http.body("cas"), Long.toString(revision + 7));
    assertThat(stale.status()).isEqualTo(409);
    assertThat(stale.code()).isEqualTo("CONFLICT");
    assertThat(stale.json().get("currentRevision").asLong()).isEqualTo(revision);
    Http.Response cas = http.put(cluster.url(follower) + "/v1/kv/key-0", Http.body("cas"), Long.toString(revision));
    assertThat(cas.status()).as(cas.body()).isEqualTo(200);
    assertThat(http.put(cluster.url(0) + "/v1/kv/key-0", Http.body("again"), "0").code()).isEqualTo("CONFLICT");
    // Delete through another node; the key is then gone everywhere.
    Http.Response del = http.delete(cluster.url((follower + 1) % 3) + "/v1/kv/key-0", null);
    assertThat(del.status()).as(del.body()).isEqualTo(200);
    for (int reader = 0; reader < 3; reader++) {
      assertThat(http.get(cluster.url(reader) + "/v1/kv/key-0").code()).isEqualTo("NOT_FOUND");
    }
  }

  @Test
  void aNodeCutOffFromTheMajorityRefusesCpOperationsAndServesStaleReads(LocalClusters clusters) throws Exception {
    LocalCluster cluster = start(clusters, null);
    Http http = cluster.http;
    assertThat(http.put(cluster.url(0) + "/v1/kv/k", Http.body("before"), null).status()).isEqualTo(200);
    int isolated = 0;
    // The value must have reached the node we isolate, so its stale read can show it.
    await().atMost(Duration.ofSeconds(10)).until(
        () -> http.get(cluster.url(isolated) + "/v1/kv/k?consistency=stale").status() == 200);

    cluster.pause(1);
    cluster.pause(2);
    // Issue bound: PARTITIONED within 3 s of losing the majority (defaults).
    await("n1 reports PARTITIONED").atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50))
        .until(() -> "PARTITIONED".equals(http.get(cluster.url(isolated) + "/v1/status").json().get("partitionStatus").asText()));
    Http.Response status = http.get(cluster.url(isolated) + "/v1/status");
    assertThat(status.json().get("quorum").asBoolean()).isFalse();

    // Refused at once: a 2 s budget is well under the 5 s Raft request timeout it must not wait for.
    Http.Response put = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(cluster.url(isolated) + "/v1/kv/k"))
        .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(Http.body("minority"))), Duration.ofSeconds(2));
    assertThat(put.status()).isEqualTo(503);
    assertThat(put.code()).isEqualTo("PARTITIONED");
    assertThat(put.contentType()).startsWith("application/problem+json");
    assertThat(put.headers().firstValue("Retry-After")).isPresent();
    Http.Response linearizable = http.get(cluster.url(isolated) + "/v1/kv/k");
    assertThat(linearizable.code()).isEqualTo("PARTITIONED");
    Http.Response del = http.delete(cluster.url(isolated) + "/v1/kv/k", null);
    assertThat(del.code()).isEqualTo("PARTITIONED");

    Http.Response stale = http.get(cluster.url(isolated) + "/v1/kv/k?consistency=stale");
    assertThat(stale.status()).isEqualTo(200);
    assertThat(stale.json().get("value").asText()).isEqualTo("before");
    assertThat(stale.json().get("stale").asBoolean()).isTrue();
    assertThat(stale.json().get("appliedIndex").asLong()).isPositive();

    cluster.resume(1);
    cluster.resume(2);
    await("writes accepted again after the heal").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> http.put(cluster.url(isolated) + "/v1/kv/k", Http.body("after"), null).status() == 200);
    // The two nodes that were stopped are fenced for a quarantine after their pause
    // (PROCESS_PAUSE, see docs/fencing.md) and refuse linearizable reads until it ends.
    for (int i = 0; i < 3; i++) {
      int node = i;
      await("node " + i + " reads the healed value").atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> {
            Http.Response r = http.get(cluster.url(node) + "/v1/kv/k");
            return r.status() == 200 && r.json().get("value").asText().equals("after");
          });
    }
  }

  @Test
  void killingEveryNodeLosesNoAcknowledgedWrite(LocalClusters clusters) throws Exception {
    // A low snapshot threshold makes recovery go through snapshot plus log.
    LocalCluster cluster = start(clusters, "snapshotThresholdEntries: 100\n");
    Http http = cluster.http;
    Map<String, String> acknowledged = new ConcurrentHashMap<>();
    ExecutorService writers = Executors.newFixedThreadPool(6);
    for (int w = 0; w < 6; w++) {
      int writer = w;
      writers.submit(() -> {
        for (int i = 0; i < 60; i++) {
          String key = "w" + writer + "-" + (i % 20);
          String value = "w" + writer + "-v" + i;
          Http.Response r = http.put(cluster.url(writer % 3) + "/v1/kv/" + key, Http.body(value), null);
          if (r.status() == 200) {
            acknowledged.put(key, value); // each key has a single writer, so the last ack wins
          }
        }
        return null;
      });
    }
    writers.shutdown();
    assertThat(writers.awaitTermination(5, TimeUnit.MINUTES)).isTrue();
    assertThat(acknowledged).hasSize(120);

    for (int i = 0; i < 3; i++) {
      cluster.kill(i);
    }
    cluster.startAll();
    cluster.awaitLeader();
    Map<String, String> read = new LinkedHashMap<>();
    for (String key : acknowledged.keySet()) {
      int node = Math.floorMod(key.hashCode(), 3);
      Http.Response r = await().atMost(Duration.ofSeconds(30)).until(
          () -> http.get(cluster.url(node) + "/v1/kv/" + key), resp -> resp.status() != 503);
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      read.put(key, r.json().get("value").asText());
    }
    assertThat(read).containsExactlyInAnyOrderEntriesOf(acknowledged);
  }
}
