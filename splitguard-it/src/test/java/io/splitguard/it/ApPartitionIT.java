package io.splitguard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.splitguard.chaos.run.NetnsLauncher;
import io.splitguard.chaos.run.NodeCommand;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AP tier's integration test: three node JVMs, each in its own network namespace, partitioned
 * {n1} | {n2, n3}. Both sides take AP writes (counter increments, LWW values, OR-set adds and a
 * concurrent remove) while the minority refuses CP writes; after the heal every node returns the
 * same values: the counter is the sum of every acknowledged increment, the LWW winner is the
 * write with the highest hybrid logical clock and the loser is in {@code /history}, and the OR-set
 * keeps the element re-added on one side while the other side removed it (add-wins).
 *
 * <p>Needs root (network namespaces); skipped otherwise.
 */
class ApPartitionIT {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private final Http http = new Http();

  @TempDir Path dir;

  private Http.Response post(String url, String body) {
    return http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)), Duration.ofSeconds(15));
  }

  private static long counterOf(Http.Response r) {
    return r.status() == 200 ? r.json().get("value").asLong() : Long.MIN_VALUE;
  }

  @Test
  void bothSidesOfAPartitionWriteAndEveryNodeConvergesAfterTheHeal() throws Exception {
    assumeTrue(NetnsLauncher.isRoot(), "partitioning node JVMs needs network namespaces (root)");
    try (NetnsLauncher cluster = new NetnsLauncher(dir, 3,
        NodeCommand.sameJvm(System.getProperty("java.class.path"), NodeCommand.CLI_MAIN_CLASS), null, m -> { })) {
      cluster.startAll();
      String[] url = new String[3];
      for (int i = 0; i < 3; i++) {
        url[i] = cluster.apiUrl(i).toString();
      }
      try {
        run(cluster, url);
      } catch (Throwable t) {
        keepEvidence(cluster, url);
        throw t;
      }
    }
  }

  /**
   * Copies the node logs and each node's status (its AP section has the pending deltas per peer
   * and the last anti-entropy round) out of the temporary directory, which is removed after the
   * test, so a failure can be diagnosed.
   */
  private void keepEvidence(NetnsLauncher cluster, String[] url) {
    Path out = Path.of("target", "it-evidence", "ApPartitionIT-" + System.currentTimeMillis());
    try {
      Files.createDirectories(out);
      for (int i = 0; i < url.length; i++) {
        Path log = cluster.logFile(i);
        if (Files.exists(log)) {
          Files.copy(log, out.resolve(log.getFileName()));
        }
        Http.Response status = http.tryGet(url[i] + "/v1/status");
        if (status != null) {
          Files.writeString(out.resolve("n" + (i + 1) + "-status.json"), status.body());
        }
      }
      System.out.println("ApPartitionIT: node logs and status kept in " + out.toAbsolutePath());
    } catch (IOException | RuntimeException e) {
      System.out.println("ApPartitionIT: could not keep the node logs: " + e);
    }
  }

  private void run(NetnsLauncher cluster, String[] url) throws Exception {
    await("a leader").atMost(WAIT).pollInterval(Duration.ofMillis(300)).until(() -> {
      Http.Response r = http.tryGet(url[1] + "/v1/status");
      return r != null && r.status() == 200 && !r.json().get("leaderId").isNull() && r.json().get("quorum").asBoolean();
    });

    // Declarations need quorum; every node learns them through Raft.
    await("declarations accepted").atMost(WAIT).pollInterval(Duration.ofMillis(300)).until(() ->
        http.put(url[1] + "/v1/keyspaces/stats", "{\"mode\":\"AP\",\"merge\":\"CRDT\"}", null).status() / 100 == 2
            && http.put(url[1] + "/v1/keyspaces/logs", "{\"mode\":\"AP\",\"merge\":\"LWW\"}", null).status() / 100 == 2
            && http.put(url[1] + "/v1/keyspaces/orders", "{\"mode\":\"CP\"}", null).status() / 100 == 2);
    for (String u : url) {
      await("declarations applied").atMost(WAIT).until(() -> http.get(u + "/v1/keyspaces/orders").status() == 200);
    }
    // Before the partition: "x" is in the set everywhere.
    assertThat(post(url[1] + "/v1/keyspaces/stats/sets/online", "{\"add\":[\"x\"]}").status()).isEqualTo(200);
    await("x replicated").atMost(WAIT).until(() ->
        http.get(url[0] + "/v1/keyspaces/stats/sets/online").body().contains("\"x\""));

    cluster.partition(List.of(Set.of(0), Set.of(1, 2)));
    await("n1 in the minority").atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() ->
        !http.get(url[0] + "/v1/status").json().get("quorum").asBoolean());
    await("a leader on the majority").atMost(WAIT).pollInterval(Duration.ofMillis(300)).until(() ->
        http.put(url[1] + "/v1/keyspaces/orders/kv/o", Http.body("majority"), null).status() == 200);

    // The minority: AP writes succeed, CP writes are refused.
    Http.Response cp = http.put(url[0] + "/v1/keyspaces/orders/kv/o", Http.body("minority"), null);
    assertThat(cp.status()).isEqualTo(503);
    assertThat(cp.code()).isEqualTo("PARTITIONED");
    assertThat(post(url[0] + "/v1/keyspaces/stats/counters/hits", "{\"delta\":5}").status()).isEqualTo(200);
    Http.Response fromN1 = http.put(url[0] + "/v1/keyspaces/logs/kv/k", Http.body("from-n1"), null);
    assertThat(fromN1.status()).as(fromN1.body()).isEqualTo(200);
    assertThat(post(url[0] + "/v1/keyspaces/stats/sets/online", "{\"add\":[\"x\",\"a\"]}").status()).isEqualTo(200);
    // The majority, concurrently: more increments, another LWW value, and "x" removed.
    assertThat(post(url[1] + "/v1/keyspaces/stats/counters/hits", "{\"delta\":3}").status()).isEqualTo(200);
    assertThat(post(url[2] + "/v1/keyspaces/stats/counters/hits", "{\"delta\":2}").status()).isEqualTo(200);
    Http.Response fromN2 = http.put(url[1] + "/v1/keyspaces/logs/kv/k", Http.body("from-n2"), null);
    assertThat(fromN2.status()).as(fromN2.body()).isEqualTo(200);
    assertThat(post(url[2] + "/v1/keyspaces/stats/sets/online", "{\"remove\":[\"x\"]}").status()).isEqualTo(200);
    await("the majority sees its own writes").atMost(WAIT).until(() ->
        counterOf(http.get(url[1] + "/v1/keyspaces/stats/counters/hits")) == 5
            && !http.get(url[1] + "/v1/keyspaces/stats/sets/online").body().contains("\"x\""));
    assertThat(counterOf(http.get(url[0] + "/v1/keyspaces/stats/counters/hits"))).isEqualTo(5);

    String winner = higher(fromN1.json().get("clock"), fromN2.json().get("clock")) ? "from-n1" : "from-n2";
    String loser = winner.equals("from-n1") ? "from-n2" : "from-n1";

    cluster.healNetwork();
    for (String u : url) {
      await("converged on " + u).atMost(WAIT).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
        assertThat(counterOf(http.get(u + "/v1/keyspaces/stats/counters/hits"))).isEqualTo(10);
        assertThat(http.get(u + "/v1/keyspaces/logs/kv/k").json().get("value").asText()).isEqualTo(winner);
        JsonNode elements = http.get(u + "/v1/keyspaces/stats/sets/online").json().get("elements");
        assertThat(elements.toString()).isEqualTo("[\"a\",\"x\"]"); // add-wins: the re-add of x survives
        List<String> superseded = new ArrayList<>();
        http.get(u + "/v1/keyspaces/logs/kv/k/history").json().get("superseded")
            .forEach(s -> superseded.add(s.get("value").asText()));
        assertThat(superseded).contains(loser);
      });
    }
    for (String u : url) {
      await("nothing pending on " + u).atMost(WAIT).untilAsserted(() -> {
        JsonNode ap = http.get(u + "/v1/status").json().get("ap");
        ap.get("pendingDeltas").forEach(n -> assertThat(n.asInt()).isZero());
        assertThat(ap.get("keyspaces").get("stats").get("keys").asInt()).isEqualTo(2);
      });
    }
    // The minority's refused CP write never happened; the majority's did.
    // (n1 stays fenced until Raft shows it a leader again, so poll the linearizable read.)
    await("the minority node reads the majority's CP value").atMost(WAIT).pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> {
          Http.Response r = http.get(url[0] + "/v1/keyspaces/orders/kv/o");
          assertThat(r.status()).as(r.body()).isEqualTo(200);
          assertThat(r.json().get("value").asText()).isEqualTo("majority");
        });
  }

  /** Whether HLC stamp {@code a} orders after {@code b}: physical time, logical counter, node id. */
  private static boolean higher(JsonNode a, JsonNode b) {
    int c = Long.compare(a.get("physicalMs").asLong(), b.get("physicalMs").asLong());
    if (c == 0) {
      c = Integer.compare(a.get("logical").asInt(), b.get("logical").asInt());
    }
    if (c == 0) {
      c = a.get("node").asText().compareTo(b.get("node").asText());
    }
    return c > 0;
  }
}
