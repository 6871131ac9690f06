package io.splitguard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.splitguard.core.ap.clock.HlcSettings;
import io.splitguard.core.cluster.ClusterMember;
import io.splitguard.core.cluster.ClusterSpec;
import io.splitguard.core.cluster.HostPort;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.config.NodeSettings;
import io.splitguard.server.TestFaults;
import io.splitguard.server.ap.ApStore;
import io.splitguard.server.detector.PartitionMonitor;
import io.splitguard.server.fencing.WriteGate;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AP keyspace endpoints over HTTP: writable without quorum, exact answers, bad input refused. */
class ApHttpApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final NodeId SELF = NodeId.of("n1");
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private final AtomicLong wall = new AtomicLong(1_700_000_000_000L);
  private final HttpApiTest.FakeRegistry registry = new HttpApiTest.FakeRegistry();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<String> audit = new ArrayList<>();
  private ApStore store;
  private HttpApi api;

  @TempDir Path dir;

  @BeforeEach
  void start() throws Exception {
    ClusterSpec cluster = new ClusterSpec(List.of(
        new ClusterMember(SELF, new HostPort("127.0.0.1", 1), new HostPort("127.0.0.1", 2)),
        new ClusterMember(NodeId.of("n2"), new HostPort("127.0.0.1", 3), new HostPort("127.0.0.1", 4)),
        new ClusterMember(NodeId.of("n3"), new HostPort("127.0.0.1", 5), new HostPort("127.0.0.1", 6))));
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    NodeSettings settings = NodeSettings.defaults();
    PartitionMonitor monitor = new PartitionMonitor(SELF, List.of(NodeId.of("n2"), NodeId.of("n3")),
        settings.detector(), clock::get, metrics);
    monitor.onHeartbeat(NodeId.of("n2"));
    monitor.onHeartbeat(NodeId.of("n3"));
    store = ApStore.open(SELF, dir, HlcSettings.of(SELF), wall::get, (ks, s) -> audit.add(s.value()));
    api = HttpApi.start("127.0.0.1", 0, SELF, cluster, settings, registry, monitor, WriteGate.OPEN, () -> io.splitguard.core.health.HealthReport.HEALTHY, metrics,
        TestFaults.NONE, store, null);
    send("PUT", "/v1/keyspaces/logs", "{\"mode\":\"AP\",\"merge\":\"LWW\"}");
    send("PUT", "/v1/keyspaces/stats", "{\"mode\":\"AP\",\"merge\":\"CRDT\"}");
    send("PUT", "/v1/keyspaces/drift", "{\"mode\":\"AP\",\"merge\":\"MANUAL\"}");
    send("PUT", "/v1/keyspaces/orders", "{\"mode\":\"CP\"}");
    // Peers go silent: this node is a minority from now on, and AP must not care.
    clock.addAndGet(Duration.ofSeconds(30).toNanos());
  }

  @AfterEach
  void stop() throws Exception {
    api.close();
    store.close();
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  private void assertBadRequestNaming(HttpResponse<String> r, String field) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(json(r).get("code").asText()).isEqualTo("BAD_REQUEST");
    assertThat(json(r).get("detail").asText()).as(r.body()).startsWith(field + ":");
  }

  @Test
  void apWritesSucceedOnAMinorityWhileCpWritesAreRefused() throws Exception {
    assertThat(json(send("PUT", "/v1/keyspaces/orders/kv/k", "{\"value\":\"x\"}")).get("code").asText())
        .isEqualTo("PARTITIONED");
    HttpResponse<String> lww = send("PUT", "/v1/keyspaces/logs/kv/k", "{\"value\":\"a\"}");
    assertThat(lww.statusCode()).as(lww.body()).isEqualTo(200);
    assertThat(json(lww).get("clock").get("node").asText()).isEqualTo("n1");
    wall.addAndGet(1);
    send("PUT", "/v1/keyspaces/logs/kv/k", "{\"value\":\"b\"}");
    JsonNode read = json(send("GET", "/v1/keyspaces/logs/kv/k", null));
    assertThat(read.get("value").asText()).isEqualTo("b");
    assertThat(read.get("stale").asBoolean()).as("served on a minority").isTrue();
    JsonNode history = json(send("GET", "/v1/keyspaces/logs/kv/k/history", null));
    assertThat(history.get("superseded").get(0).get("value").asText()).isEqualTo("a");
    assertThat(history.get("superseded").get(0).get("reason").asText()).isEqualTo("OVERWRITTEN");
    assertThat(audit).containsExactly("a");

    assertThat(send("POST", "/v1/keyspaces/stats/counters/hits", "{\"delta\":5}").statusCode()).isEqualTo(200);
    HttpResponse<String> counter = send("POST", "/v1/keyspaces/stats/counters/hits", "{\"delta\":-2}");
    assertThat(json(counter).get("value").asLong()).isEqualTo(3);
    send("POST", "/v1/keyspaces/stats/sets/online", "{\"add\":[\"a\",\"b\"]}");
    HttpResponse<String> set = send("POST", "/v1/keyspaces/stats/sets/online", "{\"remove\":[\"a\"]}");
    assertThat(json(set).get("elements").toString()).isEqualTo("[\"b\"]");
    assertThat(json(send("GET", "/v1/keyspaces/stats/sets/online", null)).get("elements").toString())
        .isEqualTo("[\"b\"]");

    HttpResponse<String> manual = send("PUT", "/v1/keyspaces/drift/kv/k", "{\"value\":\"m\"}");
    assertThat(json(manual).get("conflict").asBoolean()).isFalse();
    HttpResponse<String> resolved = send("POST", "/v1/keyspaces/drift/kv/k/resolve", "{\"value\":\"r\"}");
    assertThat(json(resolved).get("value").asText()).isEqualTo("r");
  }

  @Test
  void badInputNamesTheFieldAndChangesNothing() throws Exception {
    assertBadRequestNaming(send("POST", "/v1/keyspaces/stats/counters/c", "{\"delta\":\"x\"}"), "delta");
    assertBadRequestNaming(send("POST", "/v1/keyspaces/stats/counters/c", "{\"delta\":1.5}"), "delta");
    assertBadRequestNaming(send("POST", "/v1/keyspaces/stats/counters/c", "{}"), "delta");
    assertBadRequestNaming(send("POST", "/v1/keyspaces/stats/counters/c", "{\"delta\":1,\"x\":2}"), "body");
    assertBadRequestNaming(send("POST", "/v1/keyspaces/stats/sets/s", "{\"add\":\"a\"}"), "add");
    assertBadRequestNaming(send("POST", "/v1/keyspaces/stats/sets/s", "{\"add\":[1]}"), "add[0]");
    assertBadRequestNaming(send("POST", "/v1/keyspaces/stats/sets/s", "{\"add\":[]}"), "body");
    assertBadRequestNaming(send("PUT", "/v1/keyspaces/logs/kv/k", "{\"value\":3}"), "value");
    assertBadRequestNaming(send("PUT", "/v1/keyspaces/logs/kv/k", "{"), "body");
    assertBadRequestNaming(send("POST", "/v1/keyspaces/logs/counters/c", "{\"delta\":1}"), "keyspace");
    assertBadRequestNaming(send("POST", "/v1/keyspaces/logs/kv/k/resolve", "{\"value\":\"v\"}"), "keyspace");
    assertBadRequestNaming(send("POST", "/v1/keyspaces/orders/counters/c", "{\"delta\":1}"), "keyspace");
    assertThat(send("POST", "/v1/keyspaces/unknown/counters/c", "{\"delta\":1}").statusCode()).isEqualTo(404);
    assertBadRequestNaming(send("POST", "/v1/internal/ap/merge", "{\"from\":\"n9\",\"entries\":[]}"), "from");
    assertBadRequestNaming(send("POST", "/v1/internal/ap/merge",
        "{\"from\":\"n2\",\"entries\":[{\"keyspace\":\"stats\",\"value\":\"AAAA\"}]}"), "entries[0].value");
    assertBadRequestNaming(send("POST", "/v1/internal/ap/merge", "{\"from\":\"n2\",\"entries\":{}}"), "entries");
    assertBadRequestNaming(send("GET", "/v1/internal/ap/digest?ranges=3", null), "ranges");
    assertBadRequestNaming(send("POST", "/v1/internal/ap/range", "{\"rangeCount\":4,\"ranges\":[4]}"), "ranges[0]");
    assertThat(store.keyCounts()).isEmpty();

    send("POST", "/v1/keyspaces/stats/counters/c", "{\"delta\":1}");
    HttpResponse<String> wrongType = send("POST", "/v1/keyspaces/stats/sets/c", "{\"add\":[\"a\"]}");
    assertThat(wrongType.statusCode()).isEqualTo(409);
    assertThat(json(wrongType).get("type").asText()).isEqualTo("counter");
    assertThat(json(send("GET", "/v1/keyspaces/stats/counters/c", null)).get("value").asLong()).isEqualTo(1);
  }

  @Test
  void deletesAnswerWhatTheyRemovedAndTheKeyIsThen404WithItsHistoryKept() throws Exception {
    send("PUT", "/v1/keyspaces/logs/kv/k", "{\"value\":\"a\"}");
    wall.addAndGet(1);
    HttpResponse<String> lww = send("DELETE", "/v1/keyspaces/logs/kv/k", null);
    assertThat(lww.statusCode()).as(lww.body()).isEqualTo(200);
    assertThat(json(lww).get("deleted").asBoolean()).isTrue();
    assertThat(json(lww).get("type").asText()).isEqualTo("lww");
    assertThat(json(lww).get("removed").get(0).get("value").asText()).isEqualTo("a");
    assertThat(json(lww).get("removed").get(0).get("reason").asText()).isEqualTo("DELETED");
    HttpResponse<String> gone = send("GET", "/v1/keyspaces/logs/kv/k", null);
    assertThat(gone.statusCode()).isEqualTo(404);
    assertThat(json(gone).get("deleted").asBoolean()).isTrue();
    assertThat(json(send("GET", "/v1/keyspaces/logs/kv/k/history", null)).get("superseded").get(0).get("value")
        .asText()).isEqualTo("a");
    // An LWW delete of a key this node has not seen still writes a tombstone (it beats older writes elsewhere).
    assertThat(send("DELETE", "/v1/keyspaces/logs/kv/unseen", null).statusCode()).isEqualTo(200);
    wall.addAndGet(1);
    assertThat(json(send("PUT", "/v1/keyspaces/logs/kv/k", "{\"value\":\"b\"}")).get("value").asText()).isEqualTo("b");

    send("PUT", "/v1/keyspaces/stats/kv/r", "{\"value\":\"x\"}");
    HttpResponse<String> mv = send("DELETE", "/v1/keyspaces/stats/kv/r", null);
    assertThat(json(mv).get("type").asText()).isEqualTo("mv");
    assertThat(json(mv).get("context").get("n1").asLong()).isEqualTo(1);
    assertThat(send("GET", "/v1/keyspaces/stats/kv/r", null).statusCode()).isEqualTo(404);
    assertThat(send("DELETE", "/v1/keyspaces/stats/kv/r", null).statusCode()).as("nothing left").isEqualTo(404);
    send("PUT", "/v1/keyspaces/drift/kv/m", "{\"value\":\"x\"}");
    assertThat(send("DELETE", "/v1/keyspaces/drift/kv/m", null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/v1/keyspaces/drift/kv/m", null).statusCode()).isEqualTo(404);

    send("POST", "/v1/keyspaces/stats/sets/online", "{\"add\":[\"a\",\"b\"]}");
    HttpResponse<String> cleared = send("DELETE", "/v1/keyspaces/stats/sets/online", null);
    assertThat(json(cleared).get("elements").toString()).isEqualTo("[]");
    assertThat(audit).containsExactly("a", "x", "x");
  }

  @Test
  void badDeletesNameTheFieldAndChangeNothing() throws Exception {
    send("POST", "/v1/keyspaces/stats/counters/c", "{\"delta\":4}");
    send("PUT", "/v1/keyspaces/logs/kv/k", "{\"value\":\"a\"}");
    assertBadRequestNaming(send("DELETE", "/v1/keyspaces/stats/counters/c", null), "method");
    assertBadRequestNaming(send("DELETE", "/v1/keyspaces/logs/kv/k", "{\"value\":\"a\"}"), "body");
    assertBadRequestNaming(send("DELETE", "/v1/keyspaces/orders/counters/c", null), "keyspace");
    assertBadRequestNaming(send("DELETE", "/v1/keyspaces/logs/sets/s", null), "keyspace");
    assertThat(send("DELETE", "/v1/keyspaces/unknown/kv/k", null).statusCode()).isEqualTo(404);
    HttpResponse<String> wrongType = send("DELETE", "/v1/keyspaces/stats/kv/c", null);
    assertThat(wrongType.statusCode()).isEqualTo(409);
    assertThat(json(wrongType).get("type").asText()).isEqualTo("counter");
    assertThat(json(send("GET", "/v1/keyspaces/stats/counters/c", null)).get("value").asLong()).isEqualTo(4);
    assertThat(json(send("GET", "/v1/keyspaces/logs/kv/k", null)).get("value").asText()).isEqualTo("a");
    assertThat(audit).isEmpty();
  }

  @Test
  void aNodeWhoseClockIsBehindRefusesLwwWritesAndSaysWhy() throws Exception {
    send("PUT", "/v1/keyspaces/logs/kv/k", "{\"value\":\"a\"}");
    wall.addAndGet(-5_000);
    HttpResponse<String> r = send("PUT", "/v1/keyspaces/logs/kv/k", "{\"value\":\"b\"}");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(json(r).get("code").asText()).isEqualTo("CLOCK_SKEW");
    assertThat(json(r).get("detail").asText()).contains("behind").contains("max offset");
    assertThat(json(send("GET", "/v1/keyspaces/logs/kv/k", null)).get("value").asText()).isEqualTo("a");
  }
}
