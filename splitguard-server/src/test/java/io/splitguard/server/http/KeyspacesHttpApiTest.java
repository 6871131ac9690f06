package io.splitguard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.splitguard.core.cluster.ClusterMember;
import io.splitguard.core.cluster.ClusterSpec;
import io.splitguard.core.cluster.HostPort;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.config.NodeSettings;
import io.splitguard.server.detector.PartitionMonitor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Keyspace declarations and CP keyspace values over HTTP, against the in-memory registry. */
class KeyspacesHttpApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final NodeId SELF = NodeId.of("n1");
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private final HttpApiTest.FakeRegistry registry = new HttpApiTest.FakeRegistry();
  private final HttpClient http = HttpClient.newHttpClient();
  private PartitionMonitor monitor;
  private HttpApi api;

  @BeforeEach
  void start() {
    ClusterSpec cluster = new ClusterSpec(List.of(
        new ClusterMember(SELF, new HostPort("127.0.0.1", 1), new HostPort("127.0.0.1", 2)),
        new ClusterMember(NodeId.of("n2"), new HostPort("127.0.0.1", 3), new HostPort("127.0.0.1", 4)),
        new ClusterMember(NodeId.of("n3"), new HostPort("127.0.0.1", 5), new HostPort("127.0.0.1", 6))));
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    NodeSettings settings = NodeSettings.defaults();
    monitor = new PartitionMonitor(SELF, List.of(NodeId.of("n2"), NodeId.of("n3")), settings.detector(), clock::get, metrics);
    monitor.onHeartbeat(NodeId.of("n2"));
    monitor.onHeartbeat(NodeId.of("n3"));
    api = HttpApi.start("127.0.0.1", 0, SELF, cluster, settings, registry, monitor, metrics);
  }

  @AfterEach
  void stop() {
    api.close();
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
    assertThat(json(r).get("detail").asText()).startsWith(field + ":");
  }

  @Test
  void declareListShowAndRedeclare() throws Exception {
    HttpResponse<String> created = send("PUT", "/v1/keyspaces/presence", "{\"mode\":\"AP\",\"merge\":\"CRDT\"}");
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(json(created).get("mode").asText()).isEqualTo("AP");
    assertThat(json(created).get("merge").asText()).isEqualTo("CRDT");
    assertThat(send("PUT", "/v1/keyspaces/presence", "{\"mode\":\"AP\",\"merge\":\"CRDT\"}").statusCode()).isEqualTo(200);

    HttpResponse<String> refused = send("PUT", "/v1/keyspaces/presence", "{\"mode\":\"CP\"}");
    assertThat(refused.statusCode()).isEqualTo(409);
    assertThat(json(refused).get("code").asText()).isEqualTo("CONFLICT");
    assertThat(json(refused).get("mode").asText()).isEqualTo("AP");

    HttpResponse<String> manual = send("PUT", "/v1/keyspaces/drift", "{\"mode\":\"AP\",\"merge\":\"MANUAL\"}");
    assertThat(json(manual).get("graceMs").asLong()).isEqualTo(86_400_000L);

    JsonNode list = json(send("GET", "/v1/keyspaces", null));
    assertThat(list.get("keyspaces").findValuesAsText("name")).containsExactly("default", "drift", "presence");
    assertThat(json(send("GET", "/v1/keyspaces/default", null)).get("mode").asText()).isEqualTo("CP");
    assertThat(send("GET", "/v1/keyspaces/nope", null).statusCode()).isEqualTo(404);

    HttpResponse<String> defaultAp = send("PUT", "/v1/keyspaces/default", "{\"mode\":\"AP\",\"merge\":\"LWW\"}");
    assertThat(defaultAp.statusCode()).isEqualTo(409);
  }

  @Test
  void badDeclarationsNameTheFieldAndChangeNothing() throws Exception {
    int before = registry.submitted.size();
    assertBadRequestNaming(send("PUT", "/v1/keyspaces/x", "{\"mode\":\"AP\"}"), "merge");
    assertBadRequestNaming(send("PUT", "/v1/keyspaces/x", "{\"mode\":\"CP\",\"merge\":\"LWW\"}"), "merge");
    assertBadRequestNaming(send("PUT", "/v1/keyspaces/x", "{\"mode\":\"XP\"}"), "mode");
    assertBadRequestNaming(send("PUT", "/v1/keyspaces/x", "{}"), "mode");
    assertBadRequestNaming(send("PUT", "/v1/keyspaces/x", "{\"mode\":\"AP\",\"merge\":\"LWW\",\"graceMs\":5}"), "graceMs");
    assertBadRequestNaming(send("PUT", "/v1/keyspaces/x", "{\"mode\":\"AP\",\"merge\":\"MANUAL\",\"graceMs\":-1}"), "graceMs");
    assertBadRequestNaming(send("PUT", "/v1/keyspaces/x", "{\"mode\":\"CP\",\"extra\":1}"), "body");
    assertBadRequestNaming(send("PUT", "/v1/keyspaces/x", "not json"), "body");
    assertBadRequestNaming(send("PUT", "/v1/keyspaces/a%20b", "{\"mode\":\"CP\"}"), "keyspace");
    assertBadRequestNaming(send("PUT", "/v1/keyspaces/..", "{\"mode\":\"CP\"}"), "keyspace");
    assertThat(send("PUT", "/v1/kv/%00x", "{\"value\":\"v\"}").statusCode()).isEqualTo(400);
    assertThat(registry.submitted).hasSize(before);
    assertThat(json(send("GET", "/v1/keyspaces", null)).get("keyspaces")).hasSize(1);
  }

  @Test
  void cpKeyspaceValuesAreSeparateFromDefaultAndStaleReadsAreServedOnAMinority() throws Exception {
    send("PUT", "/v1/keyspaces/orders", "{\"mode\":\"CP\"}");
    send("PUT", "/v1/keyspaces/config", "{\"mode\":\"CP_STALE_READS\"}");
    assertThat(send("PUT", "/v1/keyspaces/orders/kv/k", "{\"value\":\"o\"}").statusCode()).isEqualTo(200);
    assertThat(send("PUT", "/v1/keyspaces/config/kv/k", "{\"value\":\"c\"}").statusCode()).isEqualTo(200);
    send("PUT", "/v1/kv/k", "{\"value\":\"d\"}");
    assertThat(json(send("GET", "/v1/keyspaces/orders/kv/k", null)).get("value").asText()).isEqualTo("o");
    assertThat(json(send("GET", "/v1/keyspaces/orders/kv/k", null)).get("key").asText()).isEqualTo("k");
    assertThat(json(send("GET", "/v1/kv/k", null)).get("value").asText()).isEqualTo("d");
    assertThat(json(send("GET", "/v1/keyspaces/default/kv/k", null)).get("value").asText()).isEqualTo("d");
    assertThat(send("GET", "/v1/keyspaces/orders/kv/missing", null).statusCode()).isEqualTo(404);
    assertBadRequestNaming(send("POST", "/v1/keyspaces/orders/counters/c", "{\"delta\":1}"), "keyspace");
    assertThat(send("GET", "/v1/keyspaces/unknown/kv/k", null).statusCode()).isEqualTo(404);

    clock.addAndGet(Duration.ofSeconds(30).toNanos()); // peers silent: minority
    HttpResponse<String> stale = send("GET", "/v1/keyspaces/config/kv/k", null);
    assertThat(stale.statusCode()).isEqualTo(200);
    assertThat(json(stale).get("stale").asBoolean()).isTrue();
    assertThat(json(stale).get("value").asText()).isEqualTo("c");
    assertThat(json(send("GET", "/v1/keyspaces/orders/kv/k", null)).get("code").asText()).isEqualTo("PARTITIONED");
    assertThat(json(send("PUT", "/v1/keyspaces/config/kv/k", "{\"value\":\"x\"}")).get("code").asText())
        .isEqualTo("PARTITIONED");
    assertThat(json(send("PUT", "/v1/keyspaces/more", "{\"mode\":\"CP\"}")).get("code").asText())
        .isEqualTo("PARTITIONED");
  }
}
