package io.splitguard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.splitguard.core.election.LeaderContact;
import io.splitguard.core.cluster.ClusterMember;
import io.splitguard.core.cluster.ClusterSpec;
import io.splitguard.core.cluster.HostPort;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.config.NodeSettings;
import io.splitguard.core.kv.KvCommand;
import io.splitguard.core.kv.KvEntry;
import io.splitguard.core.kv.KvResult;
import io.splitguard.core.lock.GuardedValue;
import io.splitguard.core.lock.LockCommand;
import io.splitguard.core.lock.LockResult;
import io.splitguard.core.registry.ConsensusStatus;
import io.splitguard.core.registry.NoLeaderException;
import io.splitguard.core.registry.OutcomeUnknownException;
import io.splitguard.core.registry.Registry;
import io.splitguard.core.registry.RegistryState;
import io.splitguard.server.election.HttpLeaderContacts;
import io.splitguard.server.detector.PartitionMonitor;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import io.splitguard.core.fencing.FenceReason;
import io.splitguard.server.fencing.FenceStatus;
import io.splitguard.server.fencing.WriteGate;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The HTTP layer against an in-memory registry (a unit-level fake) and a partition monitor on a
 * manual clock: error mapping, the write gate and the exact wire format, without consensus.
 */
class HttpApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final NodeId SELF = NodeId.of("n1");
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private final FakeRegistry registry = new FakeRegistry();
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
    heal();
    api = HttpApi.start("127.0.0.1", 0, SELF, cluster, settings, registry, monitor, metrics);
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
    clock.addAndGet(Duration.ofSeconds(30).toNanos());
  }

  private HttpResponse<String> send(String method, String path, String body, String ifMatch) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (ifMatch != null) {
      b.header("If-Match", ifMatch);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  @Test
  void putGetDeleteWireFormat() throws Exception {
    HttpResponse<String> put = send("PUT", "/v1/kv/greeting", "{\"value\":\"hello\"}", null);
    assertThat(put.statusCode()).isEqualTo(200);
    assertThat(json(put).get("revision").asLong()).isEqualTo(1);
    assertThat(json(put).get("createRevision").asLong()).isEqualTo(1);
    assertThat(put.headers().firstValue("ETag")).contains("\"1\"");
    assertThat(put.headers().firstValue("X-Trace-Id")).isPresent();
    // The leader's API address, for clients that send their writes to it directly.
    assertThat(put.headers().firstValue("SplitGuard-Leader")).contains("127.0.0.1:2");

    HttpResponse<String> get = send("GET", "/v1/kv/greeting", null, null);
    assertThat(json(get).get("value").asText()).isEqualTo("hello");
    HttpResponse<String> stale = send("GET", "/v1/kv/greeting?consistency=stale", null, null);
    assertThat(json(stale).get("stale").asBoolean()).isTrue();
    assertThat(json(stale).get("appliedIndex").asLong()).isEqualTo(1);

    HttpResponse<String> conflict = send("PUT", "/v1/kv/greeting", "{\"value\":\"x\"}", "0");
    assertThat(conflict.statusCode()).isEqualTo(409);
    assertThat(json(conflict).get("code").asText()).isEqualTo("CONFLICT");
    assertThat(json(conflict).get("currentRevision").asLong()).isEqualTo(1);
    assertThat(conflict.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));

    HttpResponse<String> del = send("DELETE", "/v1/kv/greeting", null, "\"1\"");
    assertThat(del.statusCode()).isEqualTo(200);
    assertThat(json(del).get("revision").asLong()).isEqualTo(2);
    assertThat(json(send("DELETE", "/v1/kv/greeting", null, null)).get("code").asText()).isEqualTo("NOT_FOUND");
    assertThat(json(send("GET", "/v1/kv/greeting", null, null)).get("code").asText()).isEqualTo("NOT_FOUND");
  }

  @Test
  void headAnswersAsGetWouldWithoutTheBody() throws Exception {
    HttpResponse<String> missing = send("HEAD", "/v1/kv/greeting", null, null);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).isEmpty();

    send("PUT", "/v1/kv/greeting", "{\"value\":\"hello\"}", null);
    HttpResponse<String> head = send("HEAD", "/v1/kv/greeting?consistency=stale", null, null);
    HttpResponse<String> get = send("GET", "/v1/kv/greeting?consistency=stale", null, null);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.headers().firstValue("ETag")).contains("\"1\"");
    assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(get.body().length());
    // The GET after it on the same connection reads its own answer, not a body the HEAD left.
    assertThat(json(get).get("value").asText()).isEqualTo("hello");
    assertThat(send("HEAD", "/v1/status", null, null).statusCode()).isEqualTo(200);
  }

  @Test
  void aKnownPathWithTheWrongMethodNamesTheMethodsItTakes() throws Exception {
    HttpResponse<String> patch = send("PATCH", "/v1/kv/greeting", "{}", null);
    assertThat(patch.statusCode()).isEqualTo(400);
    assertThat(json(patch).get("code").asText()).isEqualTo("BAD_REQUEST");
    assertThat(json(patch).get("detail").asText()).startsWith("method: not allowed on this endpoint; allowed: ")
        .contains("GET").contains("PUT").contains("DELETE");
    assertThat(patch.headers().firstValue("Allow")).hasValueSatisfying(v -> assertThat(v).contains("GET", "PUT"));
    // An unknown path is still not found.
    assertThat(send("PATCH", "/v1/nothing-here", "{}", null).statusCode()).isEqualTo(404);
    assertThat(send("GET", "/v1/nothing-here", null, null).statusCode()).isEqualTo(404);
  }

  @Test
  void minorityRefusesCpOperationsImmediatelyButServesStaleReads() throws Exception {
    send("PUT", "/v1/kv/k", "{\"value\":\"v\"}", null);
    partition();
    int proposalsBefore = registry.submitted.size();
    for (HttpResponse<String> r : List.of(
        send("PUT", "/v1/kv/k", "{\"value\":\"w\"}", null),
        send("DELETE", "/v1/kv/k", null, null),
        send("GET", "/v1/kv/k", null, null))) {
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(json(r).get("code").asText()).isEqualTo("PARTITIONED");
      assertThat(r.headers().firstValue("Retry-After")).contains("2");
    }
    assertThat(registry.submitted).hasSize(proposalsBefore); // nothing reached consensus
    assertThat(json(send("GET", "/v1/kv/k?consistency=stale", null, null)).get("value").asText()).isEqualTo("v");
    JsonNode status = json(send("GET", "/v1/status", null, null));
    assertThat(status.get("partitionStatus").asText()).isEqualTo("PARTITIONED");
    assertThat(status.get("quorum").asBoolean()).isFalse();
    assertThat(status.get("members").get(1).get("reachable").asBoolean()).isFalse();
    heal();
    assertThat(send("PUT", "/v1/kv/k", "{\"value\":\"w\"}", null).statusCode()).isEqualTo(200);
  }

  @Test
  void unknownOutcomeIsATimeoutNeverAFailure() throws Exception {
    registry.failWith = c -> new OutcomeUnknownException("no commit confirmed", null);
    HttpResponse<String> r = send("PUT", "/v1/kv/k", "{\"value\":\"v\"}", null);
    assertThat(r.statusCode()).isEqualTo(504);
    assertThat(json(r).get("code").asText()).isEqualTo("TIMEOUT");
    assertThat(json(r).get("detail").asText()).contains("may or may not have been applied");
  }

  @Test
  void noLeaderWithQuorumIsNotLeaderWithAHint() throws Exception {
    registry.failWith = c -> new NoLeaderException("read index not confirmed", Optional.of(NodeId.of("n3")), null);
    HttpResponse<String> r = send("PUT", "/v1/kv/k", "{\"value\":\"v\"}", null);
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(json(r).get("code").asText()).isEqualTo("NOT_LEADER");
    assertThat(json(r).get("leader").asText()).isEqualTo("n3");
    assertThat(json(r).get("leaderAddress").asText()).isEqualTo("127.0.0.1:6");
  }

  @Test
  void badInputNeverReachesTheRegistryAndNeverAnswers500() throws Exception {
    List<String[]> cases = List.of(
        new String[] {"PUT", "/v1/kv/k", "{bad json", null, "body"},
        new String[] {"PUT", "/v1/kv/k", "{\"value\": true}", null, "value"},
        new String[] {"PUT", "/v1/kv/k", "{\"value\": \"v\"}", "x1", "If-Match"},
        new String[] {"GET", "/v1/kv/k?consistency=strong", null, null, "consistency"},
        new String[] {"DELETE", "/v1/kv/k", "{\"value\": \"v\"}", null, "body"});
    for (String[] c : cases) {
      HttpResponse<String> r = send(c[0], c[1], c[2], c[3]);
      assertThat(r.statusCode()).as(c[1] + " " + c[2]).isEqualTo(400);
      assertThat(json(r).get("code").asText()).isEqualTo("BAD_REQUEST");
      assertThat(json(r).get("detail").asText()).contains(c[4]);
    }
    assertThat(registry.submitted).isEmpty();
    // Refused by Jetty itself (not UTF-8): still a problem document.
    HttpResponse<String> raw = send("GET", "/v1/kv/bad%ff", null, null);
    assertThat(raw.statusCode()).isEqualTo(400);
    assertThat(raw.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    assertThat(json(raw).get("code").asText()).isEqualTo("BAD_REQUEST");
  }

  @Test
  void aBodyOverTheRequestLimitIsAnsweredWithAProblemNotAReset() throws Exception {
    // Refused before it is read; the client is still sending when the answer is ready, and must
    // get the answer rather than a connection reset. Repeated because the race is per request.
    String huge = "{\"value\":\"" + "v".repeat(48 * 1024 * 1024) + "\"}";
    for (int i = 0; i < 8; i++) {
      HttpResponse<String> r = send("PUT", "/v1/kv/k", huge, null);
      assertThat(r.statusCode()).as("attempt " + i).isEqualTo(400);
      assertThat(json(r).get("detail").asText()).contains("body");
    }
    assertThat(registry.submitted).isEmpty();
    assertThat(send("PUT", "/v1/kv/k", "{\"value\":\"after\"}", null).statusCode()).isEqualTo(200);
  }

  @Test
  void theTestFaultServesLocalStateAsLinearizableEvenWhenPartitioned() throws Exception {
    send("PUT", "/v1/kv/k", "{\"value\":\"v\"}", null);
    api.close();
    api = HttpApi.start("127.0.0.1", 0, SELF, new ClusterSpec(List.of(
            new ClusterMember(SELF, new HostPort("127.0.0.1", 1), new HostPort("127.0.0.1", 2)),
            new ClusterMember(NodeId.of("n2"), new HostPort("127.0.0.1", 3), new HostPort("127.0.0.1", 4)),
            new ClusterMember(NodeId.of("n3"), new HostPort("127.0.0.1", 5), new HostPort("127.0.0.1", 6)))),
        NodeSettings.defaults(), registry, monitor, WriteGate.OPEN, () -> io.splitguard.core.health.HealthReport.HEALTHY,
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), new io.splitguard.server.TestFaults(true));
    partition();
    HttpResponse<String> r = send("GET", "/v1/kv/k", null, null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).has("stale")).isFalse();
    assertThat(send("PUT", "/v1/kv/k", "{\"value\":\"w\"}", null).statusCode()).isEqualTo(503);
  }

  @Test
  void metricsAreExposedInPrometheusFormat() throws Exception {
    send("PUT", "/v1/kv/k", "{\"value\":\"v\"}", null);
    HttpResponse<String> r = send("GET", "/metrics", null, null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("partition_quorum").contains("peer_phi").contains("http_server_requests_seconds");
    // Labelled by the matched route, not by the after-handler's "*".
    assertThat(r.body()).contains("route=\"/v1/kv/<key>\"").doesNotContain("route=\"*\"");
  }

  /**
   * An in-memory, single-replica stand-in for the consensus adapter. It plays the leader too:
   * lock commands are stamped with {@link #leaderClockMs} before they are applied.
   */
  @Test
  void leaderContactIsAnsweredInAnyPartitionStatusAndReadBackByThePeerAsker() throws Exception {
    assertThat(json(send("GET", "/v1/internal/raft/leader-contact", null, null)).get("leaderId").isNull()).isTrue();
    LeaderContact contact = new LeaderContact(NodeId.of("n2"), 4, 1012, 4, 2271);
    registry.contact = Optional.of(contact);
    partition();
    HttpResponse<String> r = send("GET", "/v1/internal/raft/leader-contact", null, null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).get("silenceMs").asLong()).isEqualTo(1012);
    HttpLeaderContacts peers = new HttpLeaderContacts(id -> Optional.of(
        new ClusterMember(id, new HostPort("127.0.0.1", 1), new HostPort("127.0.0.1", api.port()))));
    assertThat(peers.ask(NodeId.of("n1")).get(10, TimeUnit.SECONDS)).contains(contact);
    registry.contact = Optional.empty();
    assertThat(peers.ask(NodeId.of("n1")).get(10, TimeUnit.SECONDS)).isEmpty();
    assertThat(HttpLeaderContacts.decode("{\"leaderId\":\"n2\",\"term\":\"4\"}".getBytes(StandardCharsets.UTF_8))).isEmpty();
    assertThat(HttpLeaderContacts.decode("not json".getBytes(StandardCharsets.UTF_8))).isEmpty();
  }

  static class FakeRegistry implements Registry {
    final RegistryState state = new RegistryState();
    final List<Object> submitted = new ArrayList<>();
    final AtomicLong leaderClockMs = new AtomicLong(1_700_000_000_000L);
    volatile Function<Object, RuntimeException> failWith;
    volatile Optional<LeaderContact> contact = Optional.empty();

    @Override
    public Optional<LeaderContact> leaderContact() {
      return contact;
    }

    @Override
    public synchronized CompletableFuture<KvResult> submit(KvCommand command) {
      submitted.add(command);
      if (failWith != null) {
        return CompletableFuture.failedFuture(failWith.apply(command));
      }
      return CompletableFuture.completedFuture(state.apply(command));
    }

    @Override
    public synchronized CompletableFuture<LockResult> submit(LockCommand command) {
      submitted.add(command);
      if (failWith != null) {
        return CompletableFuture.failedFuture(failWith.apply(command));
      }
      return CompletableFuture.completedFuture(state.apply(command.stamped(leaderClockMs.get())));
    }

    @Override
    public synchronized CompletableFuture<Optional<KvEntry>> readLinearizable(String key) {
      return CompletableFuture.completedFuture(state.kv().get(key));
    }

    @Override
    public synchronized CompletableFuture<Optional<GuardedValue>> readGuardedLinearizable(String resource) {
      return CompletableFuture.completedFuture(state.locks().guarded(resource));
    }

    @Override
    public synchronized LocalRead readLocal(String key) {
      return new LocalRead(state.kv().get(key), state.revision());
    }

    @Override
    public synchronized LocalLockRead readLockLocal(String name) {
      return new LocalLockRead(state.locks().lease(name), state.locks().clockMs(), state.revision());
    }

    @Override
    public synchronized LocalGuardedRead readGuardedLocal(String resource) {
      return new LocalGuardedRead(state.locks().guarded(resource), state.revision());
    }

    @Override
    public synchronized CompletableFuture<io.splitguard.core.keyspace.KeyspaceResult> submit(
        io.splitguard.core.keyspace.KeyspaceCommand command) {
      submitted.add(command);
      if (failWith != null) {
        return CompletableFuture.failedFuture(failWith.apply(command));
      }
      return CompletableFuture.completedFuture(state.apply(command));
    }

    @Override
    public synchronized LocalKeyspaces keyspacesLocal() {
      return new LocalKeyspaces(state.keyspaces().all(), state.revision());
    }

    @Override
    public synchronized ConsensusStatus status() {
      return new ConsensusStatus(ConsensusStatus.Role.LEADER, Optional.of(SELF), 1, state.revision(), state.revision());
    }

    @Override
    public void close() {}
  }

  @Test
  void aFencedNodeRefusesWritesWithPartitionedAndShowsWhyInStatus() throws Exception {
    AtomicReference<Optional<FenceReason>> fenced = new AtomicReference<>(Optional.empty());
    WriteGate gate = new WriteGate() {
      @Override
      public Optional<FenceReason> refusal() {
        return fenced.get();
      }

      @Override
      public FenceStatus status() {
        return new FenceStatus(fenced.get(), fenced.get().isPresent() ? 1234 : 0, false);
      }
    };
    api.close();
    api = HttpApi.start("127.0.0.1", 0, SELF, new ClusterSpec(List.of(
            new ClusterMember(SELF, new HostPort("127.0.0.1", 1), new HostPort("127.0.0.1", 2)),
            new ClusterMember(NodeId.of("n2"), new HostPort("127.0.0.1", 3), new HostPort("127.0.0.1", 4)),
            new ClusterMember(NodeId.of("n3"), new HostPort("127.0.0.1", 5), new HostPort("127.0.0.1", 6)))),
        NodeSettings.defaults(), registry, monitor, gate, () -> io.splitguard.core.health.HealthReport.HEALTHY,
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), io.splitguard.server.TestFaults.NONE);
    assertThat(send("PUT", "/v1/kv/k", "{\"value\":\"v\"}", null).statusCode()).isEqualTo(200);
    fenced.set(Optional.of(FenceReason.LEADER_LEASE_EXPIRED));
    HttpResponse<String> refused = send("PUT", "/v1/kv/k", "{\"value\":\"w\"}", null);
    assertThat(refused.statusCode()).isEqualTo(503);
    JsonNode problem = json(refused);
    assertThat(problem.get("code").asText()).isEqualTo("PARTITIONED");
    assertThat(problem.get("fenced").asBoolean()).isTrue();
    assertThat(problem.get("fencedReason").asText()).isEqualTo("LEADER_LEASE_EXPIRED");
    assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    assertThat(send("GET", "/v1/kv/k?consistency=stale", null, null).statusCode()).isEqualTo(200);
    JsonNode status = json(send("GET", "/v1/status", null, null));
    assertThat(status.get("fenced").asBoolean()).isTrue();
    assertThat(status.get("fencedReason").asText()).isEqualTo("LEADER_LEASE_EXPIRED");
    assertThat(status.get("fencedForMs").asLong()).isEqualTo(1234);
    assertThat(json(send("GET", "/v1/kv/k?consistency=stale", null, null)).get("value").asText()).isEqualTo("v");
  }
}
