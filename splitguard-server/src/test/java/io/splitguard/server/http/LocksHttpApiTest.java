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
import io.splitguard.core.lock.Lease;
import io.splitguard.core.registry.OutcomeUnknownException;
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

/**
 * The lock and guarded-resource endpoints against the in-memory registry of {@link HttpApiTest},
 * which plays a leader whose clock the test moves: wire format, rules, error mapping, and bad
 * input that must never reach the registry.
 */
class LocksHttpApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final NodeId SELF = NodeId.of("n1");
  private final AtomicLong monotonic = new AtomicLong(1_000_000_000L);
  private final HttpApiTest.FakeRegistry registry = new HttpApiTest.FakeRegistry();
  private final HttpClient http = HttpClient.newHttpClient();
  private PrometheusMeterRegistry metrics;
  private PartitionMonitor monitor;
  private HttpApi api;
  private long t0;

  @BeforeEach
  void start() {
    ClusterSpec cluster = new ClusterSpec(List.of(
        new ClusterMember(SELF, new HostPort("127.0.0.1", 1), new HostPort("127.0.0.1", 2)),
        new ClusterMember(NodeId.of("n2"), new HostPort("127.0.0.1", 3), new HostPort("127.0.0.1", 4)),
        new ClusterMember(NodeId.of("n3"), new HostPort("127.0.0.1", 5), new HostPort("127.0.0.1", 6))));
    metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    NodeSettings settings = NodeSettings.defaults();
    monitor = new PartitionMonitor(SELF, List.of(NodeId.of("n2"), NodeId.of("n3")), settings.detector(), monotonic::get, metrics);
    heal();
    api = HttpApi.start("127.0.0.1", 0, SELF, cluster, settings, registry, monitor, metrics);
    t0 = registry.leaderClockMs.get();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private void heal() {
    monitor.onHeartbeat(NodeId.of("n2"));
    monitor.onHeartbeat(NodeId.of("n3"));
  }

  private void partition() {
    monotonic.addAndGet(Duration.ofSeconds(30).toNanos());
  }

  /** Moves the (fake) leader's wall clock. */
  private void leaderClockAt(long ms) {
    registry.leaderClockMs.set(ms);
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  private JsonNode ok(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json(r);
  }

  private JsonNode problem(HttpResponse<String> r, int status, String code) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    JsonNode doc = json(r);
    assertThat(doc.get("code").asText()).isEqualTo(code);
    return doc;
  }

  private static String acquireBody(String owner, long ttlMs) {
    return "{\"owner\":\"" + owner + "\",\"ttlMs\":" + ttlMs + "}";
  }

  private static String token(long token) {
    return "{\"token\":" + token + "}";
  }

  @Test
  void acquireKeepAliveInspectAndReleaseWireFormat() throws Exception {
    JsonNode granted = ok(send("POST", "/v1/locks/job", acquireBody("worker-1", 10_000)));
    assertThat(granted.get("name").asText()).isEqualTo("job");
    assertThat(granted.get("owner").asText()).isEqualTo("worker-1");
    long token = granted.get("token").asLong();
    assertThat(token).isEqualTo(1);
    assertThat(granted.get("ttlMs").asLong()).isEqualTo(10_000);
    assertThat(granted.get("expiresAtMs").asLong()).isEqualTo(t0 + 10_000);

    // Held: CONFLICT with the holder, also for the same owner (a lease is not an owner's).
    for (String owner : List.of("worker-2", "worker-1")) {
      JsonNode conflict = problem(send("POST", "/v1/locks/job", acquireBody(owner, 10_000)), 409, "CONFLICT");
      assertThat(conflict.get("owner").asText()).isEqualTo("worker-1");
      assertThat(conflict.get("token").asLong()).isEqualTo(token);
      assertThat(conflict.get("expiresAtMs").asLong()).isEqualTo(t0 + 10_000);
    }

    leaderClockAt(t0 + 4_000);
    JsonNode shown = ok(send("GET", "/v1/locks/job", null));
    assertThat(shown.get("expired").asBoolean()).isFalse();
    assertThat(shown.get("remainingMs").asLong()).isEqualTo(6_000);
    assertThat(shown.get("clockMs").asLong()).isEqualTo(t0 + 4_000);

    JsonNode extended = ok(send("POST", "/v1/locks/job/keepalive", token(token)));
    assertThat(extended.get("token").asLong()).isEqualTo(token);
    assertThat(extended.get("expiresAtMs").asLong()).isEqualTo(t0 + 14_000);

    JsonNode released = ok(send("DELETE", "/v1/locks/job", token(token)));
    assertThat(released.get("released").asBoolean()).isTrue();
    assertThat(released.get("revision").asLong()).isEqualTo(2);
    problem(send("GET", "/v1/locks/job", null), 404, "NOT_FOUND");
    JsonNode after = problem(send("POST", "/v1/locks/job/keepalive", token(token)), 409, "FENCED");
    assertThat(after.get("reason").asText()).isEqualTo("NOT_HELD");
    assertThat(after.get("detail").asText()).startsWith("token: ");
  }

  @Test
  void expiryHandsTheLockToANewOwnerWithALargerTokenAndTheOldTokenIsFenced() throws Exception {
    long a = ok(send("POST", "/v1/locks/job", acquireBody("a", 5_000))).get("token").asLong();
    assertThat(ok(send("PUT", "/v1/guarded/db", "{\"token\":" + a + ",\"value\":\"from a\"}")).get("token").asLong()).isEqualTo(a);
    assertThat(ok(send("PUT", "/v1/guarded/db", "{\"token\":" + a + ",\"value\":\"again a\"}")).get("value").asText()).isEqualTo("again a");

    leaderClockAt(t0 + 4_999);
    problem(send("POST", "/v1/locks/job", acquireBody("b", 5_000)), 409, "CONFLICT");
    leaderClockAt(t0 + 5_000);
    assertThat(ok(send("GET", "/v1/locks/job", null)).get("expired").asBoolean()).isTrue();
    long b = ok(send("POST", "/v1/locks/job", acquireBody("b", 5_000))).get("token").asLong();
    assertThat(b).isGreaterThan(a);

    ok(send("PUT", "/v1/guarded/db", "{\"token\":" + b + ",\"value\":\"from b\"}"));
    JsonNode fenced = problem(send("PUT", "/v1/guarded/db", "{\"token\":" + a + ",\"value\":\"late a\"}"), 409, "FENCED");
    assertThat(fenced.get("highestToken").asLong()).isEqualTo(b);
    assertThat(fenced.get("detail").asText()).startsWith("token: ");
    JsonNode keepAlive = problem(send("POST", "/v1/locks/job/keepalive", token(a)), 409, "FENCED");
    assertThat(keepAlive.get("reason").asText()).isEqualTo("SUPERSEDED");
    assertThat(keepAlive.get("currentToken").asLong()).isEqualTo(b);
    problem(send("DELETE", "/v1/locks/job", token(a)), 409, "FENCED");

    JsonNode value = ok(send("GET", "/v1/guarded/db", null));
    assertThat(value.get("value").asText()).isEqualTo("from b");
    assertThat(value.get("token").asLong()).isEqualTo(b);
    JsonNode stale = ok(send("GET", "/v1/guarded/db?consistency=stale", null));
    assertThat(stale.get("stale").asBoolean()).isTrue();
    assertThat(stale.get("value").asText()).isEqualTo("from b");
    problem(send("GET", "/v1/guarded/nothing", null), 404, "NOT_FOUND");

    String scrape = send("GET", "/metrics", null).body();
    assertThat(scrape).contains("locks_granted_total").contains("guarded_fenced_total");
    assertThat(metrics.get("locks_granted_total").counter().count()).isEqualTo(2);
    assertThat(metrics.get("lock_conflicts_total").counter().count()).isEqualTo(1);
    assertThat(metrics.get("guarded_fenced_total").counter().count()).isEqualTo(1);
    assertThat(metrics.get("lock_fenced_total").tag("op", "keepalive").counter().count()).isEqualTo(1);
    assertThat(metrics.get("lock_fenced_total").tag("op", "release").counter().count()).isEqualTo(1);
  }

  @Test
  void aNewLeaderWithAClockBehindCannotExtendALease() throws Exception {
    long a = ok(send("POST", "/v1/locks/job", acquireBody("a", 5_000))).get("token").asLong();
    leaderClockAt(t0 - 60_000);
    JsonNode extended = ok(send("POST", "/v1/locks/job/keepalive", token(a)));
    assertThat(extended.get("expiresAtMs").asLong()).isEqualTo(t0 + 5_000);
  }

  @Test
  void namesMayContainSlashesAndTheWordKeepalive() throws Exception {
    long t = ok(send("POST", "/v1/locks/jobs%2Fnightly", acquireBody("a", 5_000))).get("token").asLong();
    assertThat(ok(send("POST", "/v1/locks/jobs%2Fnightly/keepalive", token(t))).get("name").asText()).isEqualTo("jobs/nightly");
    assertThat(ok(send("POST", "/v1/locks/keepalive", acquireBody("a", 5_000))).get("name").asText()).isEqualTo("keepalive");
    assertThat(ok(send("GET", "/v1/locks/keepalive", null)).get("owner").asText()).isEqualTo("a");
  }

  @Test
  void refusalsChangeNothing() throws Exception {
    long a = ok(send("POST", "/v1/locks/job", acquireBody("a", 5_000))).get("token").asLong();
    Lease before = registry.state.locks().lease("job").orElseThrow();
    long revision = registry.state.revision();
    JsonNode unknown = problem(send("DELETE", "/v1/locks/job", token(a + 100)), 409, "FENCED");
    assertThat(unknown.get("reason").asText()).isEqualTo("UNKNOWN_TOKEN");
    problem(send("POST", "/v1/locks/job/keepalive", token(a + 100)), 409, "FENCED");
    problem(send("POST", "/v1/locks/job", acquireBody("b", 5_000)), 409, "CONFLICT");
    problem(send("DELETE", "/v1/locks/other", token(a)), 409, "FENCED");
    assertThat(registry.state.locks().lease("job")).contains(before);
    assertThat(registry.state.locks().lease("other")).isEmpty();
    assertThat(registry.state.revision()).isEqualTo(revision);
  }

  @Test
  void badInputIsRefusedNamingTheFieldAndNeverReachesTheRegistry() throws Exception {
    String longName = "x".repeat(513);
    List<String[]> cases = List.of(
        // acquire
        new String[] {"POST", "/v1/locks/job", null, "body"},
        new String[] {"POST", "/v1/locks/job", "{bad json", "body"},
        new String[] {"POST", "/v1/locks/job", "[1,2]", "body"},
        new String[] {"POST", "/v1/locks/job", "{\"owner\":\"a\",\"ttlMs\":5000,\"x\":1}", "body"},
        new String[] {"POST", "/v1/locks/job", "{\"ttlMs\":5000}", "owner"},
        new String[] {"POST", "/v1/locks/job", "{\"owner\":\"\",\"ttlMs\":5000}", "owner"},
        new String[] {"POST", "/v1/locks/job", "{\"owner\":7,\"ttlMs\":5000}", "owner"},
        new String[] {"POST", "/v1/locks/job", "{\"owner\":\"" + "o".repeat(257) + "\",\"ttlMs\":5000}", "owner"},
        new String[] {"POST", "/v1/locks/job", "{\"owner\":\"a\"}", "ttlMs"},
        new String[] {"POST", "/v1/locks/job", "{\"owner\":\"a\",\"ttlMs\":-5000}", "ttlMs"},
        new String[] {"POST", "/v1/locks/job", "{\"owner\":\"a\",\"ttlMs\":0}", "ttlMs"},
        new String[] {"POST", "/v1/locks/job", "{\"owner\":\"a\",\"ttlMs\":1000}", "ttlMs"},
        new String[] {"POST", "/v1/locks/job", "{\"owner\":\"a\",\"ttlMs\":3600001}", "ttlMs"},
        new String[] {"POST", "/v1/locks/job", "{\"owner\":\"a\",\"ttlMs\":99999999999999999999999}", "ttlMs"},
        new String[] {"POST", "/v1/locks/job", "{\"owner\":\"a\",\"ttlMs\":5000.5}", "ttlMs"},
        new String[] {"POST", "/v1/locks/job", "{\"owner\":\"a\",\"ttlMs\":\"10s\"}", "ttlMs"},
        new String[] {"POST", "/v1/locks/" + longName, "{\"owner\":\"a\",\"ttlMs\":5000}", "name"},
        // keep-alive and release
        new String[] {"POST", "/v1/locks/job/keepalive", null, "body"},
        new String[] {"POST", "/v1/locks/job/keepalive", "{}", "token"},
        new String[] {"POST", "/v1/locks/job/keepalive", "{\"token\":0}", "token"},
        new String[] {"POST", "/v1/locks/job/keepalive", "{\"token\":-3}", "token"},
        new String[] {"POST", "/v1/locks/job/keepalive", "{\"token\":\"5\"}", "token"},
        new String[] {"POST", "/v1/locks/job/keepalive", "{\"token\":1.5}", "token"},
        new String[] {"DELETE", "/v1/locks/job", null, "body"},
        new String[] {"DELETE", "/v1/locks/job", "{\"token\":null}", "token"},
        new String[] {"DELETE", "/v1/locks/job", "{\"token\":1,\"owner\":\"a\"}", "body"},
        // guarded resources
        new String[] {"PUT", "/v1/guarded/db", "{\"value\":\"v\"}", "token"},
        new String[] {"PUT", "/v1/guarded/db", "{\"token\":0,\"value\":\"v\"}", "token"},
        new String[] {"PUT", "/v1/guarded/db", "{\"token\":3}", "value"},
        new String[] {"PUT", "/v1/guarded/db", "{\"token\":3,\"value\":4}", "value"},
        new String[] {"PUT", "/v1/guarded/db", "{\"token\":3,\"value\":\"v\",\"extra\":true}", "body"},
        new String[] {"PUT", "/v1/guarded/" + longName, "{\"token\":3,\"value\":\"v\"}", "resource"},
        // reads
        new String[] {"GET", "/v1/locks/job?consistency=strong", null, "consistency"},
        new String[] {"GET", "/v1/guarded/db?consistency=eventual", null, "consistency"});
    for (String[] c : cases) {
      HttpResponse<String> r = send(c[0], c[1], c[2]);
      assertThat(r.statusCode()).as(c[0] + " " + c[1] + " " + c[2] + " -> " + r.body()).isEqualTo(400);
      JsonNode doc = json(r);
      assertThat(doc.get("code").asText()).isEqualTo("BAD_REQUEST");
      assertThat(doc.get("detail").asText()).as(c[1] + " " + c[2]).startsWith(c[3] + ":");
    }
    assertThat(registry.submitted).isEmpty();
    assertThat(registry.state.revision()).isZero();
  }

  @Test
  void minorityRefusesLockOperationsAtOnceButServesStaleReads() throws Exception {
    long a = ok(send("POST", "/v1/locks/job", acquireBody("a", 5_000))).get("token").asLong();
    ok(send("PUT", "/v1/guarded/db", "{\"token\":" + a + ",\"value\":\"v\"}"));
    partition();
    int proposals = registry.submitted.size();
    for (HttpResponse<String> r : List.of(
        send("POST", "/v1/locks/job", acquireBody("b", 5_000)),
        send("POST", "/v1/locks/job/keepalive", token(a)),
        send("DELETE", "/v1/locks/job", token(a)),
        send("GET", "/v1/locks/job", null),
        send("PUT", "/v1/guarded/db", "{\"token\":" + a + ",\"value\":\"w\"}"),
        send("GET", "/v1/guarded/db", null))) {
      problem(r, 503, "PARTITIONED");
      assertThat(r.headers().firstValue("Retry-After")).isPresent();
    }
    assertThat(registry.submitted).hasSize(proposals);
    JsonNode stale = ok(send("GET", "/v1/locks/job?consistency=stale", null));
    assertThat(stale.get("owner").asText()).isEqualTo("a");
    assertThat(stale.get("stale").asBoolean()).isTrue();
    assertThat(stale.get("appliedIndex").asLong()).isPositive();
    assertThat(ok(send("GET", "/v1/guarded/db?consistency=stale", null)).get("value").asText()).isEqualTo("v");
    heal();
    ok(send("POST", "/v1/locks/job/keepalive", token(a)));
  }

  @Test
  void unknownOutcomesAreTimeouts() throws Exception {
    registry.failWith = c -> new OutcomeUnknownException("no commit confirmed", null);
    JsonNode acquire = problem(send("POST", "/v1/locks/job", acquireBody("a", 5_000)), 504, "TIMEOUT");
    assertThat(acquire.get("detail").asText()).contains("may or may not have been applied");
    problem(send("PUT", "/v1/guarded/db", "{\"token\":1,\"value\":\"v\"}"), 504, "TIMEOUT");
    problem(send("GET", "/v1/locks/job", null), 504, "TIMEOUT");
  }
}
