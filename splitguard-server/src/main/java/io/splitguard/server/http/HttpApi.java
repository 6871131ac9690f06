package io.splitguard.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import io.javalin.router.Endpoint;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.splitguard.core.cluster.ClusterMember;
import io.splitguard.core.cluster.ClusterSpec;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.config.NodeSettings;
import io.splitguard.core.detector.PartitionView;
import io.splitguard.core.ap.clock.ClockSkewException;
import io.splitguard.core.ap.crdt.Mergeable;
import io.splitguard.core.keyspace.Keyspace;
import io.splitguard.core.keyspace.KeyspaceCommand;
import io.splitguard.core.keyspace.KeyspaceKeys;
import io.splitguard.core.keyspace.KeyspaceResult;
import io.splitguard.core.keyspace.MergePolicy;
import io.splitguard.core.keyspace.KeyspaceMode;
import io.splitguard.core.kv.KvCommand;
import io.splitguard.core.kv.KvEntry;
import io.splitguard.core.kv.KvResult;
import io.splitguard.core.lock.GuardedValue;
import io.splitguard.core.lock.Lease;
import io.splitguard.core.lock.LockCommand;
import io.splitguard.core.lock.LockResult;
import io.splitguard.core.registry.ConsensusStatus;
import io.splitguard.core.registry.NoLeaderException;
import io.splitguard.core.registry.OutcomeUnknownException;
import io.splitguard.core.registry.Registry;
import io.splitguard.server.TestFaults;
import io.splitguard.core.detector.ConnectivityMatrix;
import io.splitguard.server.ap.ApConflictException;
import io.splitguard.server.ap.ApPeerEndpoint;
import io.splitguard.server.ap.ApProtocol;
import io.splitguard.server.ap.ApReplicator;
import io.splitguard.server.ap.ApStore;
import io.splitguard.server.ap.ApTypeException;
import io.splitguard.core.fencing.FenceReason;
import io.splitguard.core.health.HealthReport;
import io.splitguard.core.membership.MemberRole;
import io.splitguard.core.membership.Membership;
import io.splitguard.core.membership.MembershipChange;
import io.splitguard.core.membership.MembershipPolicy;
import io.splitguard.core.membership.MembershipSettings;
import io.splitguard.server.membership.MembershipMonitor;
import io.splitguard.core.cluster.HostPort;
import io.splitguard.server.detector.PartitionMonitor;
import io.splitguard.server.election.HttpLeaderContacts;
import io.splitguard.server.fencing.FenceStatus;
import io.splitguard.server.fencing.WriteGate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.UriCompliance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The v1 HTTP API of a node (see {@code docs/api.md}). Request handling validates all input
 * before anything is proposed, so a bad request never changes state; CP operations pass the write
 * gate (quorum) before they reach consensus, so a minority node answers {@code PARTITIONED} at once
 * instead of after a timeout.
 */
public final class HttpApi implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  private static final String JSON = "application/json";
  private static final String PROBLEM_JSON = "application/problem+json";
  private static final String KV_PREFIX = "/v1/kv/";
  private static final String LOCKS_PREFIX = "/v1/locks/";
  private static final String GUARDED_PREFIX = "/v1/guarded/";
  private static final String KEEPALIVE_SUFFIX = "/keepalive";
  private static final String TOKEN_BODY = "{\"token\": <integer>}";

  /** Longest lock owner, in UTF-8 bytes. */
  static final int MAX_OWNER_BYTES = 256;
  private static final Pattern TRACE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final String TRACE_ATTRIBUTE = "splitguard.traceId";
  private static final String START_ATTRIBUTE = "splitguard.startNanos";
  private static final int RESPONSE_COPY_BUFFER_BYTES = 4096;
  /** Response header naming the leader's API address ({@code host:port}) when it is known. */
  public static final String LEADER_HEADER = "SplitGuard-Leader";
  /**
   * How much of a refused, oversized body is read and discarded before the answer. A server that
   * closes with the body unread makes the kernel reset the connection, and an HTTP client still
   * sending then reports a broken pipe instead of the problem document; past this the
   * connection is closed anyway, so a refused body costs at most this much bandwidth.
   */
  static final long OVERSIZED_BODY_DRAIN_BYTES = 64L * 1024 * 1024;

  private final NodeId self;
  private final ClusterSpec cluster;
  private final NodeSettings settings;
  private final Registry registry;
  private final PartitionMonitor monitor;
  private final WriteGate gate;
  private final Supplier<HealthReport> health;
  private final PrometheusMeterRegistry metrics;
  private final ObjectMapper json;
  private final Javalin app;
  private final TestFaults faults;
  private final LockMetrics lockMetrics;
  private final ApStore ap;
  private final ApReplicator replicator;
  private final ApPeerEndpoint apEndpoint;
  private final ApJson apJson;
  private volatile MembershipMonitor membershipMonitor;
  // One timer per (method, route, status), looked up without building a meter id per request.
  private final Map<RequestTimerKey, Timer> requestTimers = new ConcurrentHashMap<>();
  private final java.net.http.HttpClient forwarder = java.net.http.HttpClient.newBuilder()
      .connectTimeout(java.time.Duration.ofSeconds(2)).build();

  // The last leader's address, looked up once per leader change rather than per request.
  private volatile LeaderAddress lastLeader;

  private record LeaderAddress(NodeId id, String address) {}

  private HttpApi(
      NodeId self, ClusterSpec cluster, NodeSettings settings, Registry registry,
      PartitionMonitor monitor, WriteGate gate, Supplier<HealthReport> health,
      PrometheusMeterRegistry metrics, TestFaults faults, ApStore ap, ApReplicator replicator) {
    this.self = self;
    this.ap = ap;
    this.replicator = replicator;
    this.apEndpoint = ap == null ? null : new ApPeerEndpoint(ap, id -> cluster.member(id).isPresent(),
        new ApProtocol(new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)));
    this.gate = gate;
    this.health = health;
    this.faults = faults;
    this.cluster = cluster;
    this.settings = settings;
    this.registry = registry;
    this.monitor = monitor;
    this.metrics = metrics;
    this.json = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    this.lockMetrics = new LockMetrics(metrics);
    this.apJson = new ApJson(json);
    this.app = Javalin.create(cfg -> {
      cfg.startup.showJavalinBanner = false;
      cfg.startup.showOldJavalinVersionWarning = false;
      // A known path with the wrong method says which methods it takes, instead of "no such
      // endpoint".
      cfg.http.prefer405over404 = true;
      // Room for a maximal value even if every character arrives as a 6-byte JSON escape; the
      // exact limit is checked on the decoded value, with a message naming the field.
      cfg.http.maxRequestSize = 6L * settings.maxValueBytes() + settings.maxKeyBytes() + 64 * 1024;
      // Keys may contain '/', sent as %2F; Jetty's default compliance rejects that as ambiguous.
      cfg.jetty.modifyHttpConfiguration(hc -> hc.setUriCompliance(UriCompliance.LEGACY));
      cfg.jetty.modifyServletContextHandler(h -> {
        h.getServletHandler().setDecodeAmbiguousURIs(true);
        // The API has no sessions; without this, every request's cookies were parsed looking for
        // a session id (about 3% of a node's CPU under a read load).
        h.getSessionHandler().setUsingCookies(false);
        h.getSessionHandler().setUsingUriParameters(false);
      });
      cfg.jetty.modifyServer(server -> server.setErrorHandler(new ProblemErrorHandler()));
      // Javalin copies each response body through a buffer of this size, allocated per response;
      // answers are small (a value is at most maxValueBytes), so the 32 KiB default is garbage.
      cfg.http.responseBufferSize = RESPONSE_COPY_BUFFER_BYTES;
      cfg.routes.before(this::beforeRequest);
      cfg.routes.after(this::afterRequest);
      // Public reads answer HEAD as GET would, without the body (Jetty drops it). Javalin's own
      // HEAD answer is 200 for any path a GET route matches, without running it: a missing key
      // looked present.
      BiConsumer<String, Handler> read = (path, handler) -> {
        cfg.routes.get(path, handler);
        cfg.routes.head(path, handler);
      };
      read.accept("/v1/status", this::status);
      read.accept("/metrics", this::scrape);
      read.accept("/v1/kv/<key>", this::get);
      cfg.routes.put("/v1/kv/<key>", this::put);
      cfg.routes.delete("/v1/kv/<key>", this::delete);
      read.accept("/v1/locks/<name>", this::getLock);
      cfg.routes.post("/v1/locks/<name>", this::postLock);
      cfg.routes.delete("/v1/locks/<name>", this::releaseLock);
      read.accept("/v1/keyspaces", this::listKeyspaces);
      read.accept("/v1/keyspaces/<path>", ctx -> keyspaceRoute(ctx, "GET"));
      cfg.routes.put("/v1/keyspaces/<path>", ctx -> keyspaceRoute(ctx, "PUT"));
      cfg.routes.post("/v1/keyspaces/<path>", ctx -> keyspaceRoute(ctx, "POST"));
      cfg.routes.delete("/v1/keyspaces/<path>", ctx -> keyspaceRoute(ctx, "DELETE"));
      cfg.routes.post("/v1/internal/ap/merge", ctx -> internal(ctx, ApProtocol.Operation.MERGE));
      cfg.routes.get("/v1/internal/ap/digest", this::internalDigest);
      cfg.routes.post("/v1/internal/ap/digest", ctx -> internal(ctx, ApProtocol.Operation.DIGEST));
      cfg.routes.post("/v1/internal/ap/range", ctx -> internal(ctx, ApProtocol.Operation.RANGE));
      cfg.routes.post("/v1/internal/ap/summaries", ctx -> internal(ctx, ApProtocol.Operation.SUMMARIES));
      cfg.routes.post("/v1/internal/ap/fetch", ctx -> internal(ctx, ApProtocol.Operation.FETCH));
      cfg.routes.get(HttpLeaderContacts.PATH,
          ctx -> writeJson(ctx, 200, HttpLeaderContacts.encode(registry.leaderContact())));
      read.accept("/v1/guarded/<resource>", this::getGuarded);
      cfg.routes.put("/v1/guarded/<resource>", this::putGuarded);
      read.accept("/v1/members", this::listMembers);
      cfg.routes.post("/v1/members", this::addMember);
      cfg.routes.post("/v1/members/<id>/demote", ctx -> changeMember(ctx, new MembershipChange.Demote(memberId(ctx))));
      cfg.routes.post("/v1/members/<id>/promote", ctx -> changeMember(ctx, new MembershipChange.Promote(memberId(ctx))));
      cfg.routes.delete("/v1/members/<id>", ctx -> changeMember(ctx, new MembershipChange.Remove(memberId(ctx))));
      cfg.routes.exception(ProblemException.class, (e, ctx) -> writeProblem(ctx, e));
      cfg.routes.exception(HttpResponseException.class, (e, ctx) -> {
        if (e.getStatus() == 413) {
          drainRefusedBody(ctx);
        }
        writeProblem(ctx, fromJavalin(e));
      });
      cfg.routes.exception(Exception.class, (e, ctx) -> writeProblem(ctx, internal(ctx, e)));
    });
  }

  /** Starts serving on {@code host:port} (port 0 picks a free port). */
  public static HttpApi start(
      String host, int port, NodeId self, ClusterSpec cluster, NodeSettings settings,
      Registry registry, PartitionMonitor monitor, PrometheusMeterRegistry metrics) {
    return start(host, port, self, cluster, settings, registry, monitor, WriteGate.OPEN,
        () -> HealthReport.HEALTHY, metrics, TestFaults.NONE);
  }

  /**
   * As {@link #start}, with the node's self-fencing write gate and deliberate faults for testing
   * the test harness.
   */
  public static HttpApi start(
      String host, int port, NodeId self, ClusterSpec cluster, NodeSettings settings,
      Registry registry, PartitionMonitor monitor, WriteGate gate, Supplier<HealthReport> health,
      PrometheusMeterRegistry metrics, TestFaults faults) {
    return start(host, port, self, cluster, settings, registry, monitor, gate, health, metrics, faults,
        null, null);
  }

  /**
   * As {@link #start}, serving AP keyspaces from {@code ap} (without it, AP values answer
   * NOT_FOUND) and reporting {@code replicator}'s status (either may be null).
   */
  public static HttpApi start(
      String host, int port, NodeId self, ClusterSpec cluster, NodeSettings settings,
      Registry registry, PartitionMonitor monitor, WriteGate gate, Supplier<HealthReport> health,
      PrometheusMeterRegistry metrics, TestFaults faults, ApStore ap, ApReplicator replicator) {
    HttpApi api = new HttpApi(self, cluster, settings, registry, monitor, gate, health, metrics, faults,
        ap, replicator);
    api.app.start(host, port);
    return api;
  }

  /** The bound port. */
  public int port() {
    return app.port();
  }

  @Override
  public void close() {
    app.stop();
  }

  // ---- request lifecycle ---------------------------------------------------------------------

  private void beforeRequest(Context ctx) {
    String incoming = ctx.header("X-Trace-Id");
    String traceId = incoming != null && TRACE_ID.matcher(incoming).matches()
        ? incoming : Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
    ctx.attribute(TRACE_ATTRIBUTE, traceId);
    ctx.attribute(START_ATTRIBUTE, System.nanoTime());
    ctx.header("X-Trace-Id", traceId);
    // Lets a client send its writes to the leader itself, saving the forward (docs/api.md).
    String leader = leaderAddress();
    if (leader != null) {
      ctx.header(LEADER_HEADER, leader);
    }
  }

  /** The API address of the leader this node follows or is, or null if unknown. */
  private String leaderAddress() {
    Optional<NodeId> leader = registry.leaderId();
    if (leader.isEmpty()) {
      return null;
    }
    LeaderAddress known = lastLeader;
    if (known == null || !known.id().equals(leader.get())) {
      known = new LeaderAddress(leader.get(),
          cluster.member(leader.get()).map(m -> m.api().toString()).orElse(null));
      lastLeader = known;
    }
    return known.address();
  }

  private void afterRequest(Context ctx) {
    Long start = ctx.attribute(START_ATTRIBUTE);
    if (start == null) {
      return;
    }
    // The matched route, not ctx.endpoint(): in an after-handler that is the after-handler's "*".
    Endpoint matched = ctx.endpoints().lastHttpEndpoint();
    String route = matched == null ? "unmatched" : matched.path;
    requestTimers.computeIfAbsent(
            new RequestTimerKey(ctx.method().name(), route, ctx.statusCode()), this::requestTimer)
        .record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  private record RequestTimerKey(String method, String route, int status) {}

  private Timer requestTimer(RequestTimerKey key) {
    return Timer.builder("http_server_requests_seconds")
        .tag("method", key.method())
        .tag("route", key.route())
        .tag("status", Integer.toString(key.status()))
        .register(metrics);
  }

  // ---- endpoints -----------------------------------------------------------------------------

  private void status(Context ctx) {
    ConsensusStatus consensus = registry.status();
    PartitionView view = monitor.view();
    ObjectNode body = json.createObjectNode();
    body.put("nodeId", self.value());
    body.put("role", consensus.role().name());
    body.put("leaderId", consensus.leaderId().map(NodeId::value).orElse(null));
    body.put("term", consensus.term());
    body.put("partitionStatus", monitor.reportedStatus().name());
    body.put("quorum", view.quorum());
    FenceStatus fence = gate.status();
    body.put("fenced", fence.fenced());
    body.put("fencedReason", fence.reason().map(Enum::name).orElse(null));
    body.put("fencedForMs", fence.fencedForMs());
    body.put("primary", fence.primary());
    body.put("fencings", fence.fencings());
    body.put("splitBrainSuspicions", fence.splitBrainSuspicions());
    HealthReport own = health.get();
    ObjectNode healthNode = body.putObject("health");
    healthNode.put("level", own.level().name());
    own.reasons().forEach(healthNode.putArray("reasons")::add);
    ConnectivityMatrix connectivity = monitor.connectivity();
    ObjectNode conn = body.putObject("connectivity");
    ObjectNode indirect = conn.putObject("indirect");
    connectivity.indirectlyReachable().forEach((peer, relays) -> {
      ArrayNode via = indirect.putArray(peer.value());
      relays.forEach(r -> via.add(r.value()));
    });
    ArrayNode oneWay = conn.putArray("oneWay");
    connectivity.asymmetricLinks().forEach(l -> oneWay.addObject().put("from", l.from().value()).put("to", l.to().value()));
    ArrayNode members = body.putArray("members");
    for (ClusterMember m : knownMembers()) {
      ObjectNode member = members.addObject();
      member.put("id", m.id().value());
      putRole(member, m.id());
      member.put("address", m.api().toString());
      member.put("raftAddress", m.raft().toString());
      if (m.id().equals(self)) {
        member.put("self", true);
        member.put("reachable", true);
        member.put("phi", 0.0);
        member.put("lastHeartbeatAgeMs", 0);
        member.put("health", own.level().name());
        continue;
      }
      Optional<PartitionView.PeerView> watched = view.peers().stream()
          .filter(p -> p.id().equals(m.id())).findFirst();
      if (watched.isEmpty()) {
        member.put("self", false);
        member.put("reachable", false); // known from the configuration, detector not told yet
        continue;
      }
      PartitionView.PeerView peer = watched.get();
      member.put("self", false);
      member.put("reachable", peer.reachable());
      member.put("phi", Math.round(Math.min(1000, peer.phi()) * 100) / 100.0);
      member.put("lastHeartbeatAgeMs", peer.lastHeartbeatAgeMillis());
      Optional<PartitionMonitor.PeerReport> report = monitor.report(m.id());
      member.put("health", report.map(r -> r.health().name()).orElse(null));
      member.put("rttMs", report.filter(r -> r.roundTripNanos() >= 0)
          .map(r -> Math.round(r.roundTripNanos() / 10_000.0) / 100.0).orElse(null));
    }
    body.put("appliedIndex", consensus.appliedIndex());
    body.put("commitIndex", consensus.commitIndex());
    putMembershipAlerts(body);
    if (replicator != null) {
      ApReplicator.Status apStatus = replicator.status();
      ObjectNode apNode = body.putObject("ap");
      ObjectNode keyspaces = apNode.putObject("keyspaces");
      apStatus.keys().forEach((ks, n) -> keyspaces.putObject(ks).put("keys", n));
      ObjectNode pending = apNode.putObject("pendingDeltas");
      apStatus.pending().forEach(pending::put);
      ObjectNode divergent = apNode.putObject("divergentRanges");
      apStatus.divergentRanges().forEach(divergent::put);
      if (apStatus.lastAntiEntropyMs() < 0) {
        apNode.putNull("lastAntiEntropyMs");
      } else {
        apNode.put("lastAntiEntropyMs", apStatus.lastAntiEntropyMs());
      }
      apNode.put("replicationLagSeconds", apStatus.lagSeconds());
      apNode.put("conflictsOpen", apStatus.openConflicts());
    }
    writeJson(ctx, 200, body);
  }

  private void scrape(Context ctx) {
    ctx.contentType("text/plain; version=0.0.4; charset=utf-8");
    ctx.result(metrics.scrape());
  }

  private void get(Context ctx) {
    getKv(ctx, Keyspace.defaultKeyspace(), key(ctx));
  }

  /**
   * Reads a key of a CP keyspace. A {@code CP_STALE_READS} keyspace answers a default
   * (linearizable) read on a node without quorum from local state, marked stale, instead of
   * refusing it: that is what the keyspace declared it wants.
   */
  private void getKv(Context ctx, Keyspace ks, String key) {
    String stored = KeyspaceKeys.stored(ks.name(), key);
    String consistency = QueryString.first(ctx.req().getQueryString(), "consistency");
    boolean askedLinearizable = consistency == null || consistency.equals("linearizable");
    if (askedLinearizable && faults.localLinearizableReads()) {
      // Deliberately broken (test flag): local state presented as linearizable.
      Registry.LocalRead read = registry.readLocal(stored);
      if (read.entry().isEmpty()) {
        throw new ProblemException(ErrorCode.NOT_FOUND, "key '" + key + "' does not exist").with("key", key);
      }
      writeEntry(ctx, read.entry().get(), false, 0);
    } else if (askedLinearizable && !(ks.mode() == KeyspaceMode.CP_STALE_READS && cannotServeCp())) {
      requireQuorum("linearizable read");
      ctx.future(() -> registry.readLinearizable(stored)
          .thenAccept(entry -> {
            if (entry.isEmpty()) {
              throw new ProblemException(ErrorCode.NOT_FOUND, "key '" + key + "' does not exist")
                  .with("key", key);
            }
            writeEntry(ctx, entry.get(), false, 0);
          })
          .exceptionally(e -> failure(ctx, e, false)));
    } else if (askedLinearizable || consistency.equals("stale")) {
      Registry.LocalRead read = registry.readLocal(stored);
      if (read.entry().isEmpty()) {
        throw new ProblemException(ErrorCode.NOT_FOUND, "key '" + key + "' does not exist on this node")
            .with("key", key).with("stale", true).with("appliedIndex", read.appliedIndex());
      }
      writeEntry(ctx, read.entry().get(), true, read.appliedIndex());
    } else {
      throw ProblemException.badRequest(
          "consistency: must be 'linearizable' or 'stale', got '" + consistency + "'");
    }
  }

  /** Whether this node would refuse a CP operation right now (fenced, or no quorum). */
  private boolean cannotServeCp() {
    return gate.refusal().isPresent() || !monitor.hasQuorum();
  }

  private void put(Context ctx) {
    putKv(ctx, Keyspace.defaultKeyspace(), key(ctx));
  }

  private void putKv(Context ctx, Keyspace ks, String key) {
    long expected = ifMatch(ctx);
    String value = valueFromBody(ctx);
    requireQuorum("write");
    submit(ctx, new KvCommand.Put(KeyspaceKeys.stored(ks.name(), key), value, expected));
  }

  private void delete(Context ctx) {
    deleteKv(ctx, Keyspace.defaultKeyspace(), key(ctx));
  }

  private void deleteKv(Context ctx, Keyspace ks, String key) {
    long expected = ifMatch(ctx);
    byte[] body = ctx.bodyAsBytes();
    if (body.length > 0 && !new String(body, StandardCharsets.UTF_8).isBlank()) {
      throw ProblemException.badRequest("body: DELETE takes no body");
    }
    requireQuorum("write");
    submit(ctx, new KvCommand.Delete(KeyspaceKeys.stored(ks.name(), key), expected));
  }

  private void submit(Context ctx, KvCommand command) {
    ctx.future(() -> registry.submit(command)
        .thenAccept(result -> writeResult(ctx, result))
        .exceptionally(e -> failure(ctx, e, true)));
  }

  private void writeResult(Context ctx, KvResult result) {
    if (result instanceof KvResult.Written w) {
      writeEntry(ctx, w.entry(), false, 0);
    } else if (result instanceof KvResult.Deleted d) {
      ObjectNode body = json.createObjectNode();
      body.put("key", KeyspaceKeys.visible(d.previous().key()));
      body.put("revision", d.revision());
      body.put("deleted", true);
      body.put("prevRevision", d.previous().modRevision());
      writeJson(ctx, 200, body);
    } else if (result instanceof KvResult.PreconditionFailed p) {
      String expected = ctx.header("If-Match");
      String key = KeyspaceKeys.visible(p.key());
      throw new ProblemException(ErrorCode.CONFLICT,
          "If-Match: expected revision " + expected.trim() + " but key '" + key + "' "
              + (p.actualModRevision() == 0 ? "does not exist" : "has revision " + p.actualModRevision()))
          .with("key", key).with("currentRevision", p.actualModRevision());
    } else {
      KvResult.NotFound n = (KvResult.NotFound) result;
      String key = KeyspaceKeys.visible(n.key());
      throw new ProblemException(ErrorCode.NOT_FOUND, "key '" + key + "' does not exist")
          .with("key", key);
    }
  }

  // ---- keyspaces ------------------------------------------------------------------------------

  private static final String DECLARE_BODY =
      "{\"mode\": \"CP\"|\"CP_STALE_READS\"|\"AP\", \"merge\": \"LWW\"|\"CRDT\"|\"MANUAL\", \"graceMs\": <integer>}";

  private void listKeyspaces(Context ctx) {
    Registry.LocalKeyspaces local = registry.keyspacesLocal();
    ObjectNode body = json.createObjectNode();
    ArrayNode list = body.putArray("keyspaces");
    local.keyspaces().forEach(k -> list.add(keyspaceJson(k)));
    body.put("appliedIndex", local.appliedIndex());
    writeJson(ctx, 200, body);
  }

  /** Everything under {@code /v1/keyspaces/{name}}: dispatched on the parsed path and the keyspace's mode. */
  private void keyspaceRoute(Context ctx, String method) {
    KeyspacePath path = KeyspacePath.parse(ctx.req().getRequestURI(), settings.maxKeyBytes());
    if (path.kind() == KeyspacePath.Kind.KEYSPACE) {
      if (method.equals("PUT")) {
        declareKeyspace(ctx, path.keyspace());
      } else if (method.equals("GET")) {
        writeJson(ctx, 200, keyspaceJson(declared(path.keyspace())));
      } else {
        throw ProblemException.badRequest("method not allowed on this endpoint (GET or PUT a keyspace)");
      }
      return;
    }
    Keyspace ks = declared(path.keyspace());
    if (ks.mode().isCp()) {
      if (path.kind() != KeyspacePath.Kind.KV) {
        throw ProblemException.badRequest("keyspace: '" + ks.name() + "' is " + ks.mode()
            + "; counters, sets, history and resolve exist only in AP keyspaces")
            .with("keyspace", ks.name()).with("mode", ks.mode().name());
      }
      switch (method) {
        case "GET":
          getKv(ctx, ks, path.key());
          break;
        case "PUT":
          putKv(ctx, ks, path.key());
          break;
        case "DELETE":
          deleteKv(ctx, ks, path.key());
          break;
        default:
          throw ProblemException.badRequest("method not allowed on this endpoint (GET, PUT or DELETE a key)");
      }
      return;
    }
    apRoute(ctx, method, ks, path);
  }

  // ---- AP keyspaces ---------------------------------------------------------------------------

  private static final int MAX_SET_ELEMENTS = 1000;

  /**
   * Values of AP keyspaces, served from this node's AP store with no quorum check: writable on
   * every side of a partition. Answered after the local fsync.
   */
  private void apRoute(Context ctx, String method, Keyspace ks, KeyspacePath path) {
    if (ap == null) {
      throw new ProblemException(ErrorCode.NOT_FOUND, "AP values are not served by this node");
    }
    MergePolicy merge = ks.merge().orElseThrow();
    String key = path.key();
    try {
      switch (path.kind()) {
        case KV:
          if (method.equals("GET")) {
            writeJson(ctx, 200, apRead(ks, key));
          } else if (method.equals("PUT")) {
            String value = valueFromBody(ctx);
            CompletableFuture<? extends Mergeable<?>> written = merge == MergePolicy.LWW
                ? ap.writeLww(ks.name(), key, value)
                : merge == MergePolicy.CRDT ? ap.writeMv(ks.name(), key, value) : ap.writeManual(ks.name(), key, value);
            respond(ctx, ks, written);
          } else if (method.equals("DELETE")) {
            requireNoBody(ctx);
            respondDeleted(ctx, ks, key, merge == MergePolicy.LWW ? Optional.of(ap.deleteLww(ks.name(), key))
                : merge == MergePolicy.CRDT ? ap.deleteMv(ks.name(), key) : ap.deleteManual(ks.name(), key));
          } else {
            throw ProblemException.badRequest("method not allowed on this endpoint (GET, PUT or DELETE an AP key)");
          }
          break;
        case HISTORY:
          requireMethod(method, "GET");
          writeJson(ctx, 200, apJson.history(ks.name(), key, ap.history(ks.name(), key)));
          break;
        case RESOLVE:
          requireMethod(method, "POST");
          if (merge != MergePolicy.MANUAL) {
            throw ProblemException.badRequest("keyspace: '" + ks.name() + "' merges by " + merge
                + "; only MANUAL keyspaces have conflicts to resolve").with("keyspace", ks.name());
          }
          String resolution = valueFromBody(ctx);
          respond(ctx, ks, ap.resolve(ks.name(), key, resolution));
          break;
        case COUNTER:
          requireCrdt(ks, "counters");
          if (method.equals("GET")) {
            writeJson(ctx, 200, apRead(ks, key));
          } else if (method.equals("DELETE")) {
            // Each node's totals only grow; a delete would need a causal reset that no
            // node-local rule can order against concurrent increments. Add the negated value.
            throw ProblemException.badRequest("method: counters cannot be deleted (each node's totals only grow, "
                + "so a delete would not converge with concurrent increments); add the negated value instead")
                .with("keyspace", ks.name()).with("name", key);
          } else {
            requireMethod(method, "POST");
            long delta = JsonBody.parse(json, ctx.bodyAsBytes(), Set.of("delta"), "{\"delta\": <integer>}")
                .integer("delta", -Long.MAX_VALUE, Long.MAX_VALUE, "");
            respond(ctx, ks, ap.addToCounter(ks.name(), key, delta));
          }
          break;
        case SET:
          requireCrdt(ks, "sets");
          if (method.equals("GET")) {
            writeJson(ctx, 200, apRead(ks, key));
          } else if (method.equals("DELETE")) {
            requireNoBody(ctx);
            respond(ctx, ks, ap.clearSet(ks.name(), key).orElseThrow(() -> notHere(ks, key)));
          } else {
            requireMethod(method, "POST");
            JsonBody body = JsonBody.parse(json, ctx.bodyAsBytes(), Set.of("add", "remove"),
                "{\"add\": [\"...\"]} or {\"remove\": [\"...\"]}");
            List<String> add = elements(body, "add");
            List<String> remove = elements(body, "remove");
            if (add.isEmpty() && remove.isEmpty()) {
              throw ProblemException.badRequest("body: needs a non-empty 'add' or 'remove' list");
            }
            respond(ctx, ks, ap.updateSet(ks.name(), key, add, remove));
          }
          break;
        default:
          throw new ProblemException(ErrorCode.NOT_FOUND, "no such endpoint");
      }
    } catch (ClockSkewException e) {
      throw new ProblemException(ErrorCode.CLOCK_SKEW, e.getMessage() + "; node " + self
          + " refuses to stamp LWW writes until its clock is back within the bound")
          .with("reason", e.refusal().reason().name())
          .with("offsetMs", e.refusal().offsetMs())
          .with("maxOffsetMs", e.refusal().maxOffsetMs())
          .header("Retry-After", Long.toString(settings.retryAfterSeconds()));
    } catch (ApTypeException e) {
      throw new ProblemException(ErrorCode.CONFLICT, e.getMessage()).with("keyspace", ks.name())
          .with("key", key).with("type", e.actual());
    } catch (ApConflictException e) {
      ObjectNode current = apJson.value(ks.name(), e.register());
      throw new ProblemException(ErrorCode.CONFLICT, e.getMessage()).with("keyspace", ks.name()).with("key", key)
          .with("conflict", true).with("siblings", current.get("siblings"));
    } catch (ArithmeticException e) {
      throw ProblemException.badRequest("delta: the counter would overflow (" + e.getMessage() + ")");
    }
  }

  // ---- internal node-to-node AP endpoints -------------------------------------------------------

  private ApStore requireAp() {
    if (ap == null) {
      throw new ProblemException(ErrorCode.NOT_FOUND, "AP values are not served by this node");
    }
    return ap;
  }

  /**
   * {@code POST /v1/internal/ap/<operation>}: the internal AP protocol ({@link ApProtocol}), served
   * by the node's {@link ApPeerEndpoint}; a push is answered once durable here.
   */
  private void internal(Context ctx, ApProtocol.Operation operation) {
    requireAp();
    CompletableFuture<byte[]> answer;
    try {
      answer = apEndpoint.handle(operation, ctx.bodyAsBytes());
    } catch (IllegalArgumentException e) {
      throw ProblemException.badRequest(e.getMessage());
    }
    ctx.future(() -> answer
        .thenAccept(bytes -> ctx.status(200).contentType("application/json").result(bytes))
        .exceptionally(e -> failure(ctx, e, true)));
  }

  /** {@code GET /v1/internal/ap/digest?ranges=N[&root=<hex>]}: this node's Merkle tree over N ranges. */
  private void internalDigest(Context ctx) {
    requireAp();
    try {
      int ranges = ApProtocol.rangeCount(ctx.queryParam("ranges"), "ranges");
      ctx.status(200).contentType("application/json")
          .result(apEndpoint.digest(ranges, ApProtocol.root(ctx.queryParam("root"))));
    } catch (IllegalArgumentException e) {
      throw ProblemException.badRequest(e.getMessage());
    }
  }

  /**
   * A GET of an AP value: this node's state, marked {@code "stale": true} when the node cannot
   * reach a majority (it is then likely missing writes taken on the other side).
   */
  private ObjectNode apRead(Keyspace ks, String key) {
    ObjectNode body = apJson.value(ks.name(), apValue(ks, key));
    body.put("stale", !monitor.hasQuorum());
    return body;
  }

  private Mergeable<?> apValue(Keyspace ks, String key) {
    return ap.get(ks.name(), key).orElseThrow(() -> notHere(ks, key));
  }

  private ProblemException notHere(Keyspace ks, String key) {
    boolean deleted = ap.state(ks.name(), key).map(ApStore::isDeleted).orElse(false);
    ProblemException p = new ProblemException(ErrorCode.NOT_FOUND, deleted
        ? "key '" + key + "' was deleted in keyspace '" + ks.name() + "' (its history is still at .../history)"
        : "key '" + key + "' does not exist in keyspace '" + ks.name() + "' on node " + self
            + " (AP: this node may not have received it yet)").with("keyspace", ks.name()).with("key", key);
    return deleted ? p.with("deleted", true) : p;
  }

  private static void requireNoBody(Context ctx) {
    byte[] body = ctx.bodyAsBytes();
    if (body.length > 0 && !new String(body, StandardCharsets.UTF_8).isBlank()) {
      throw ProblemException.badRequest("body: DELETE takes no body");
    }
  }

  /** Answers an AP delete: {@code 404} if a register held no value here, else once it is durable. */
  private void respondDeleted(Context ctx, Keyspace ks, String key, Optional<CompletableFuture<ApStore.Deletion>> d) {
    CompletableFuture<ApStore.Deletion> deletion = d.orElseThrow(() -> notHere(ks, key));
    ctx.future(() -> deletion
        .thenAccept(v -> writeJson(ctx, 200, apJson.deleted(ks.name(), key, v.state(), v.removed())))
        .exceptionally(e -> failure(ctx, e, true)));
  }

  private void respond(Context ctx, Keyspace ks, CompletableFuture<? extends Mergeable<?>> written) {
    ctx.future(() -> written
        .thenAccept(v -> writeJson(ctx, 200, apJson.value(ks.name(), v)))
        .exceptionally(e -> failure(ctx, e, true)));
  }

  private static void requireMethod(String method, String allowed) {
    if (!method.equals(allowed)) {
      throw ProblemException.badRequest("method not allowed on this endpoint (" + allowed + " only)");
    }
  }

  private static void requireCrdt(Keyspace ks, String what) {
    if (ks.merge().orElse(null) != MergePolicy.CRDT) {
      throw ProblemException.badRequest("keyspace: '" + ks.name() + "' merges by "
          + ks.merge().map(Enum::name).orElse("-") + "; " + what + " exist only in CRDT keyspaces")
          .with("keyspace", ks.name());
    }
  }

  private List<String> elements(JsonBody body, String field) {
    if (!body.has(field)) {
      return List.of();
    }
    JsonNode v = body.raw(field);
    if (!v.isArray()) {
      throw ProblemException.badRequest(field + ": must be a JSON array of strings");
    }
    if (v.size() > MAX_SET_ELEMENTS) {
      throw ProblemException.badRequest(field + ": at most " + MAX_SET_ELEMENTS + " elements per request, got " + v.size());
    }
    List<String> out = new java.util.ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      JsonNode e = v.get(i);
      if (!e.isTextual()) {
        throw ProblemException.badRequest(field + "[" + i + "]: must be a JSON string");
      }
      if (JsonBody.utf8Length(e.textValue()) > settings.maxValueBytes()) {
        throw ProblemException.badRequest(field + "[" + i + "]: exceeds the limit of " + settings.maxValueBytes() + " bytes");
      }
      out.add(e.textValue());
    }
    return out;
  }

  private Keyspace declared(String name) {
    return registry.keyspacesLocal().get(name).orElseThrow(() -> new ProblemException(ErrorCode.NOT_FOUND,
        "keyspace '" + name + "' is not declared (or its declaration is not yet applied on node " + self + ")")
        .with("keyspace", name));
  }

  private void declareKeyspace(Context ctx, String name) {
    JsonBody body = JsonBody.parse(json, ctx.bodyAsBytes(), Set.of("mode", "merge", "graceMs"), DECLARE_BODY);
    KeyspaceMode mode = enumField(body, "mode", KeyspaceMode.class, true);
    MergePolicy merge = enumField(body, "merge", MergePolicy.class, false);
    if (mode == KeyspaceMode.AP && merge == null) {
      throw ProblemException.badRequest("merge: required for an AP keyspace (LWW, CRDT or MANUAL)");
    }
    if (mode != KeyspaceMode.AP && merge != null) {
      throw ProblemException.badRequest("merge: only AP keyspaces take a merge policy; omit it for " + mode);
    }
    long grace = 0;
    if (body.has("graceMs")) {
      if (merge != MergePolicy.MANUAL) {
        throw ProblemException.badRequest("graceMs: only MANUAL keyspaces take a grace period");
      }
      grace = body.integer("graceMs", 0, Keyspace.MAX_GRACE_MS, " ms");
    } else if (merge == MergePolicy.MANUAL) {
      grace = Keyspace.DEFAULT_GRACE_MS;
    }
    if (name.equals(Keyspace.DEFAULT) && mode != KeyspaceMode.CP) {
      throw new ProblemException(ErrorCode.CONFLICT, "keyspace 'default' is CP and cannot be redeclared as " + mode)
          .with("keyspace", name).with("mode", KeyspaceMode.CP.name());
    }
    KeyspaceCommand.Declare declare = new KeyspaceCommand.Declare(name, mode, Optional.ofNullable(merge), grace);
    requireQuorum("keyspace declaration");
    ctx.future(() -> registry.submit(declare)
        .thenAccept(result -> {
          if (result instanceof KeyspaceResult.Declared d) {
            writeJson(ctx, d.created() ? 201 : 200, keyspaceJson(d.keyspace()));
          } else if (result instanceof KeyspaceResult.Unchanged u) {
            writeJson(ctx, 200, keyspaceJson(u.keyspace()));
          } else {
            Keyspace existing = ((KeyspaceResult.Refused) result).existing();
            throw new ProblemException(ErrorCode.CONFLICT, "keyspace '" + name + "' is declared as "
                + describe(existing) + "; changing the strategy of live data is unsafe, declare a new keyspace")
                .with("keyspace", name)
                .with("mode", existing.mode().name())
                .with("merge", existing.merge().map(Enum::name).orElse(null));
          }
        })
        .exceptionally(e -> failure(ctx, e, true)));
  }

  private static String describe(Keyspace k) {
    return k.mode() + k.merge().map(m -> " with merge " + m).orElse("");
  }

  private static <E extends Enum<E>> E enumField(JsonBody body, String field, Class<E> type, boolean required) {
    if (!body.has(field)) {
      if (required) {
        throw ProblemException.badRequest(field + ": required, one of " + java.util.Arrays.toString(type.getEnumConstants()));
      }
      return null;
    }
    JsonNode v = body.raw(field);
    if (v.isTextual()) {
      for (E e : type.getEnumConstants()) {
        if (e.name().equals(v.textValue())) {
          return e;
        }
      }
    }
    throw ProblemException.badRequest(field + ": must be one of " + java.util.Arrays.toString(type.getEnumConstants())
        + ", got " + v);
  }

  private ObjectNode keyspaceJson(Keyspace k) {
    ObjectNode body = json.createObjectNode();
    body.put("name", k.name());
    body.put("mode", k.mode().name());
    body.put("merge", k.merge().map(Enum::name).orElse(null));
    if (k.merge().orElse(null) == MergePolicy.MANUAL) {
      body.put("graceMs", k.graceMs());
    }
    body.put("declaredRevision", k.revision());
    return body;
  }

  /** Maps a failed future to a problem; written here because Javalin would see a wrapper. */
  private Void failure(Context ctx, Throwable e, boolean write) {
    Throwable cause = e;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    ProblemException problem;
    if (cause instanceof ProblemException p) {
      problem = p;
    } else if (cause instanceof OutcomeUnknownException u) {
      problem = new ProblemException(ErrorCode.TIMEOUT,
          (write ? "the write may or may not have been applied: " : "the read did not complete: ")
              + u.getMessage());
      LOG.warn("event=outcome_unknown node={} traceId={} write={} error={}",
          self, ctx.attribute(TRACE_ATTRIBUTE), write, u.getMessage());
    } else if (cause instanceof java.io.IOException || cause instanceof java.io.UncheckedIOException) {
      // The AP log could not confirm the fsync: the record may or may not be on disk.
      problem = new ProblemException(ErrorCode.TIMEOUT,
          "the write may or may not be durable: the local log failed: " + cause.getMessage());
      LOG.error("event=ap_log_failed node={} traceId={} error={}", self, ctx.attribute(TRACE_ATTRIBUTE), cause.toString());
    } else if (cause instanceof NoLeaderException n) {
      problem = gate.refusal().isPresent() ? fenced(write ? "write" : "linearizable read", gate.refusal().get())
          : monitor.hasQuorum() ? notLeader(n.leaderHint(), n.getMessage()) : partitioned(write ? "write" : "linearizable read");
    } else {
      problem = internal(ctx, cause);
    }
    writeProblem(ctx, problem);
    return null;
  }

  // ---- locks and guarded resources -----------------------------------------------------------

  /** {@code POST /v1/locks/{name}} (acquire) and {@code POST /v1/locks/{name}/keepalive}. */
  private void postLock(Context ctx) {
    String raw = ctx.req().getRequestURI();
    boolean keepAlive = raw.startsWith(LOCKS_PREFIX)
        && raw.substring(LOCKS_PREFIX.length()).endsWith(KEEPALIVE_SUFFIX);
    if (keepAlive) {
      String name = KeyPath.name(raw.substring(0, raw.length() - KEEPALIVE_SUFFIX.length()),
          LOCKS_PREFIX, settings.maxKeyBytes(), "name");
      long token = tokenBody(ctx);
      requireQuorum("write");
      submitLock(ctx, LockCommand.KeepAlive.of(name, token), true);
      return;
    }
    String name = lockName(ctx);
    JsonBody body = JsonBody.parse(json, ctx.bodyAsBytes(), Set.of("owner", "ttlMs"),
        "{\"owner\": \"<string>\", \"ttlMs\": <integer>}");
    String owner = body.string("owner", MAX_OWNER_BYTES, false);
    long ttlMs = body.integer("ttlMs", settings.minLockTtl().toMillis(), settings.maxLockTtl().toMillis(), " ms");
    requireQuorum("write");
    submitLock(ctx, LockCommand.Acquire.of(name, owner, ttlMs), true);
  }

  /** {@code DELETE /v1/locks/{name}} with {@code {"token": n}}. */
  private void releaseLock(Context ctx) {
    String name = lockName(ctx);
    long token = tokenBody(ctx);
    requireQuorum("write");
    submitLock(ctx, LockCommand.Release.of(name, token), true);
  }

  /**
   * {@code GET /v1/locks/{name}}: linearizable reads go through the log as an inspection stamped
   * with the leader's time, so "expired" is decided by the same clock that decides acquisitions.
   */
  private void getLock(Context ctx) {
    String name = lockName(ctx);
    if (linearizable(ctx)) {
      requireQuorum("linearizable read");
      submitLock(ctx, LockCommand.Inspect.of(name), false);
      return;
    }
    Registry.LocalLockRead read = registry.readLockLocal(name);
    if (read.lease().isEmpty()) {
      throw new ProblemException(ErrorCode.NOT_FOUND, "lock '" + name + "' is not held on this node's state")
          .with("name", name).with("stale", true).with("appliedIndex", read.appliedIndex());
    }
    ObjectNode body = observedJson(read.lease().get(), read.clockMs());
    body.put("stale", true);
    body.put("appliedIndex", read.appliedIndex());
    writeJson(ctx, 200, body);
  }

  /** {@code PUT /v1/guarded/{resource}} with {@code {"token": n, "value": "..."}}. */
  private void putGuarded(Context ctx) {
    String resource = resourceName(ctx);
    JsonBody body = JsonBody.parse(json, ctx.bodyAsBytes(), Set.of("token", "value"),
        "{\"token\": <integer>, \"value\": \"<string>\"}");
    long token = body.integer("token", 1, Long.MAX_VALUE, "");
    String value = body.string("value", settings.maxValueBytes(), true);
    requireQuorum("write");
    submitLock(ctx, new LockCommand.GuardedPut(resource, token, value), true);
  }

  /** {@code GET /v1/guarded/{resource}}. */
  private void getGuarded(Context ctx) {
    String resource = resourceName(ctx);
    if (linearizable(ctx)) {
      requireQuorum("linearizable read");
      ctx.future(() -> registry.readGuardedLinearizable(resource)
          .thenAccept(value -> {
            if (value.isEmpty()) {
              throw new ProblemException(ErrorCode.NOT_FOUND,
                  "guarded resource '" + resource + "' was never written").with("resource", resource);
            }
            writeJson(ctx, 200, guardedJson(value.get()));
          })
          .exceptionally(e -> failure(ctx, e, false)));
      return;
    }
    Registry.LocalGuardedRead read = registry.readGuardedLocal(resource);
    if (read.value().isEmpty()) {
      throw new ProblemException(ErrorCode.NOT_FOUND,
          "guarded resource '" + resource + "' was never written, as far as this node has applied")
          .with("resource", resource).with("stale", true).with("appliedIndex", read.appliedIndex());
    }
    ObjectNode body = guardedJson(read.value().get());
    body.put("stale", true);
    body.put("appliedIndex", read.appliedIndex());
    writeJson(ctx, 200, body);
  }

  private void submitLock(Context ctx, LockCommand command, boolean write) {
    ctx.future(() -> registry.submit(command)
        .thenAccept(result -> writeLockResult(ctx, command, result))
        .exceptionally(e -> failure(ctx, e, write)));
  }

  private void writeLockResult(Context ctx, LockCommand command, LockResult result) {
    if (result instanceof LockResult.Granted g) {
      lockMetrics.granted.increment();
      writeJson(ctx, 200, leaseJson(g.lease()));
    } else if (result instanceof LockResult.Held h) {
      lockMetrics.conflicts.increment();
      Lease holder = h.holder();
      throw new ProblemException(ErrorCode.CONFLICT,
          "lock '" + holder.name() + "' is held by '" + holder.owner() + "' under token "
              + holder.token() + " until " + holder.expiresAtMs() + " (" + (holder.expiresAtMs() - h.clockMs())
              + " ms from now by the replicated clock)")
          .with("name", holder.name())
          .with("owner", holder.owner())
          .with("token", holder.token())
          .with("expiresAtMs", holder.expiresAtMs())
          .with("remainingMs", holder.expiresAtMs() - h.clockMs());
    } else if (result instanceof LockResult.Extended e) {
      lockMetrics.keepAlives.increment();
      writeJson(ctx, 200, leaseJson(e.lease()));
    } else if (result instanceof LockResult.Released r) {
      lockMetrics.releases.increment();
      ObjectNode body = json.createObjectNode();
      body.put("name", r.previous().name());
      body.put("token", r.previous().token());
      body.put("released", true);
      body.put("revision", r.revision());
      writeJson(ctx, 200, body);
    } else if (result instanceof LockResult.NotHolder n) {
      boolean keepAlive = command instanceof LockCommand.KeepAlive;
      (keepAlive ? lockMetrics.fencedKeepAlives : lockMetrics.fencedReleases).increment();
      throw notHolder(n);
    } else if (result instanceof LockResult.Observed o) {
      if (o.lease().isEmpty()) {
        throw new ProblemException(ErrorCode.NOT_FOUND,
            "lock '" + o.name() + "' is not held (never acquired, or released)").with("name", o.name());
      }
      writeJson(ctx, 200, observedJson(o.lease().get(), o.clockMs()));
    } else if (result instanceof LockResult.GuardedWritten w) {
      lockMetrics.guardedWrites.increment();
      writeJson(ctx, 200, guardedJson(w.value()));
    } else {
      LockResult.GuardedFenced f = (LockResult.GuardedFenced) result;
      lockMetrics.guardedFenced.increment();
      throw new ProblemException(ErrorCode.FENCED,
          "token: " + f.token() + " is older than token " + f.highestToken()
              + ", the highest that guarded resource '" + f.resource() + "' has accepted")
          .with("resource", f.resource())
          .with("token", f.token())
          .with("highestToken", f.highestToken());
    }
  }

  private static ProblemException notHolder(LockResult.NotHolder n) {
    String why;
    switch (n.reason()) {
      case NOT_HELD:
        why = "the lock is not held (released, or never acquired)";
        break;
      case EXPIRED:
        why = "its lease expired at " + n.current().orElseThrow().expiresAtMs()
            + " (replicated clock " + n.clockMs() + ")";
        break;
      case SUPERSEDED:
        why = "the lock was granted again since, under token " + n.current().orElseThrow().token();
        break;
      default:
        why = "no lease with this token was granted on this lock (its current token is "
            + n.current().orElseThrow().token() + ")";
        break;
    }
    ProblemException p = new ProblemException(ErrorCode.FENCED,
        "token: " + n.token() + " does not hold lock '" + n.name() + "': " + why)
        .with("name", n.name())
        .with("token", n.token())
        .with("reason", n.reason().name());
    n.current().ifPresent(current -> {
      p.with("currentToken", current.token());
      p.with("owner", current.owner());
      p.with("expiresAtMs", current.expiresAtMs());
      p.with("expired", current.isExpiredAt(n.clockMs()));
    });
    return p;
  }

  private String lockName(Context ctx) {
    return KeyPath.name(ctx.req().getRequestURI(), LOCKS_PREFIX, settings.maxKeyBytes(), "name");
  }

  private String resourceName(Context ctx) {
    return KeyPath.name(ctx.req().getRequestURI(), GUARDED_PREFIX, settings.maxKeyBytes(), "resource");
  }

  private long tokenBody(Context ctx) {
    return JsonBody.parse(json, ctx.bodyAsBytes(), Set.of("token"), TOKEN_BODY)
        .integer("token", 1, Long.MAX_VALUE, "");
  }

  /** Whether the {@code consistency} parameter asks for a linearizable read (the default). */
  private static boolean linearizable(Context ctx) {
    String consistency = QueryString.first(ctx.req().getQueryString(), "consistency");
    if (consistency == null || consistency.equals("linearizable")) {
      return true;
    }
    if (consistency.equals("stale")) {
      return false;
    }
    throw ProblemException.badRequest(
        "consistency: must be 'linearizable' or 'stale', got '" + consistency + "'");
  }

  private ObjectNode leaseJson(Lease lease) {
    ObjectNode body = json.createObjectNode();
    body.put("name", lease.name());
    body.put("owner", lease.owner());
    body.put("token", lease.token());
    body.put("ttlMs", lease.ttlMs());
    body.put("expiresAtMs", lease.expiresAtMs());
    return body;
  }

  private ObjectNode observedJson(Lease lease, long clockMs) {
    ObjectNode body = leaseJson(lease);
    body.put("expired", lease.isExpiredAt(clockMs));
    body.put("remainingMs", Math.max(0, lease.expiresAtMs() - clockMs));
    body.put("clockMs", clockMs);
    return body;
  }

  private ObjectNode guardedJson(GuardedValue value) {
    ObjectNode body = json.createObjectNode();
    body.put("resource", value.resource());
    body.put("value", value.value());
    body.put("token", value.token());
    body.put("revision", value.revision());
    return body;
  }

  /** Counters of lock and guarded-resource outcomes answered by this node. */
  private static final class LockMetrics {
    final Counter granted;
    final Counter conflicts;
    final Counter keepAlives;
    final Counter releases;
    final Counter fencedKeepAlives;
    final Counter fencedReleases;
    final Counter guardedWrites;
    final Counter guardedFenced;

    LockMetrics(PrometheusMeterRegistry metrics) {
      granted = Counter.builder("locks_granted_total")
          .description("lock acquisitions granted").register(metrics);
      conflicts = Counter.builder("lock_conflicts_total")
          .description("lock acquisitions refused because the lock was held").register(metrics);
      keepAlives = Counter.builder("lock_keepalives_total")
          .description("lease keep-alives applied").register(metrics);
      releases = Counter.builder("lock_releases_total")
          .description("locks released").register(metrics);
      fencedKeepAlives = Counter.builder("lock_fenced_total").tag("op", "keepalive")
          .description("keep-alives and releases refused: the token did not hold the lock").register(metrics);
      fencedReleases = Counter.builder("lock_fenced_total").tag("op", "release")
          .description("keep-alives and releases refused: the token did not hold the lock").register(metrics);
      guardedWrites = Counter.builder("guarded_writes_total")
          .description("guarded-resource writes accepted").register(metrics);
      guardedFenced = Counter.builder("guarded_fenced_total")
          .description("guarded-resource writes refused with FENCED (token older than one accepted)")
          .register(metrics);
    }
  }

  // ---- input validation ----------------------------------------------------------------------

  private String key(Context ctx) {
    String key = KeyPath.key(ctx.req().getRequestURI(), KV_PREFIX, settings.maxKeyBytes());
    if (!KeyspaceKeys.allowedAsDefaultKey(key)) {
      throw ProblemException.badRequest(
          "key: must not start with U+0000 (reserved for the keys of declared keyspaces)");
    }
    return key;
  }

  private static long ifMatch(Context ctx) {
    String header = ctx.header("If-Match");
    if (header == null) {
      return KvCommand.NO_EXPECTATION;
    }
    String text = header.trim();
    if (text.length() >= 2 && text.startsWith("\"") && text.endsWith("\"")) {
      text = text.substring(1, text.length() - 1); // accept the ETag form "5" as well as 5
    }
    try {
      long revision = Long.parseLong(text);
      if (revision < 0) {
        throw ProblemException.badRequest("If-Match: revision must be >= 0, got " + header);
      }
      return revision;
    } catch (NumberFormatException e) {
      throw ProblemException.badRequest(
          "If-Match: must be a revision number (0 = key must not exist), got '" + header + "'");
    }
  }

  private String valueFromBody(Context ctx) {
    byte[] raw = ctx.bodyAsBytes();
    if (raw.length == 0) {
      throw ProblemException.badRequest("body: required, expected {\"value\": \"...\"}");
    }
    JsonNode body;
    try {
      body = json.readTree(raw);
    } catch (JsonParseException e) {
      throw ProblemException.badRequest("body: malformed JSON at line " + e.getLocation().getLineNr()
          + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      throw ProblemException.badRequest("body: malformed JSON: " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw ProblemException.badRequest("body: unreadable: " + e.getMessage());
    }
    if (body == null || !body.isObject()) {
      throw ProblemException.badRequest("body: must be a JSON object {\"value\": \"...\"}");
    }
    for (var it = body.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!field.equals("value")) {
        throw ProblemException.badRequest("body: unknown field '" + field + "' (expected only 'value')");
      }
    }
    JsonNode value = body.get("value");
    if (value == null) {
      throw ProblemException.badRequest("value: required");
    }
    if (!value.isTextual()) {
      throw ProblemException.badRequest("value: must be a JSON string, got " + value.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
    }
    String text = value.textValue();
    int bytes = utf8Length(text);
    if (bytes > settings.maxValueBytes()) {
      throw ProblemException.badRequest("value: " + bytes + " bytes exceeds the limit of "
          + settings.maxValueBytes() + " bytes").with("limit", settings.maxValueBytes());
    }
    return text;
  }

  private static int utf8Length(String s) {
    int bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  // ---- membership --------------------------------------------------------------------------

  private NodeId memberId(Context ctx) {
    String raw = ctx.pathParam("id");
    try {
      return NodeId.of(raw);
    } catch (IllegalArgumentException e) {
      throw new ProblemException(ErrorCode.BAD_REQUEST, "id: " + e.getMessage()).with("field", "id");
    }
  }

  private Membership currentMembership() {
    try {
      return registry.membership();
    } catch (IOException | UnsupportedOperationException e) {
      throw new ProblemException(ErrorCode.INTERNAL, "membership is not available: " + e.getMessage());
    }
  }

  private void listMembers(Context ctx) {
    Membership membership = currentMembership();
    PartitionView view = monitor.view();
    Map<NodeId, Long> lag = registry.replicationLag();
    ObjectNode body = json.createObjectNode();
    ArrayNode members = body.putArray("members");
    for (Map.Entry<NodeId, MemberRole> e : membership.roles().entrySet()) {
      ObjectNode m = members.addObject();
      m.put("id", e.getKey().value());
      m.put("role", e.getValue().name());
      memberById(e.getKey()).ifPresent(c -> {
        m.put("address", c.api().toString());
        m.put("raftAddress", c.raft().toString());
      });
      m.put("reachable", reachable(view).contains(e.getKey()));
      if (lag.containsKey(e.getKey())) {
        m.put("lagEntries", lag.get(e.getKey()));
      }
    }
    body.put("voters", membership.voters().size());
    body.put("majority", membership.majority());
    putMembershipAlerts(body);
    writeJson(ctx, 200, body);
  }

  /**
   * Follows the consensus configuration from now on: members added at run time appear in {@code
   * /v1/status}, and pending-eviction alerts are shown.
   */
  public void attachMembership(MembershipMonitor membership) {
    this.membershipMonitor = membership;
  }

  /** Members with their addresses: the configuration's when known, else the cluster file's. */
  private List<ClusterMember> knownMembers() {
    MembershipMonitor m = membershipMonitor;
    return m == null ? cluster.members() : m.members();
  }

  private Optional<ClusterMember> memberById(NodeId id) {
    return knownMembers().stream().filter(m -> m.id().equals(id)).findFirst().or(() -> cluster.member(id));
  }

  private void putRole(ObjectNode member, NodeId id) {
    MembershipMonitor m = membershipMonitor;
    Optional<Membership> conf = m == null ? Optional.empty() : m.membership();
    conf.map(c -> c.roles().get(id)).ifPresent(r -> member.put("role", r.name()));
  }

  /** {@code membership}: the pending-eviction alerts and refusals this node (as leader) holds. */
  private void putMembershipAlerts(ObjectNode body) {
    MembershipMonitor m = membershipMonitor;
    if (m == null) {
      return;
    }
    ObjectNode node = body.putObject("membership");
    node.put("autoDemote", m.settings().autoDemote());
    ArrayNode alerts = node.putArray("pendingEvictions");
    long now = m.nowNanos();
    Map<NodeId, String> refusals = m.refusals();
    m.pending().values().forEach(p -> {
      ObjectNode a = alerts.addObject();
      a.put("member", p.member().value());
      ArrayNode troubles = a.putArray("troubles");
      p.troubles().forEach(t -> troubles.add(t.name()));
      a.put("troubleForMs", (now - p.troubleSinceNanos()) / 1_000_000);
      a.put("raisedForMs", (now - p.raisedAtNanos()) / 1_000_000);
      a.put("demoteInMs", Math.max(0, (p.deadlineNanos() - now) / 1_000_000));
      a.put("refusal", refusals.get(p.member()));
    });
  }

  private Set<NodeId> reachable(PartitionView view) {
    Set<NodeId> reachable = new java.util.LinkedHashSet<>();
    reachable.add(self);
    view.peers().stream().filter(PartitionView.PeerView::reachable).forEach(p -> reachable.add(p.id()));
    return reachable;
  }

  private static final String ADD_MEMBER_BODY = "{\"id\": \"n4\", \"raft\": \"host:port\", \"api\": \"host:port\"}";
  private static final String FORWARDED_HEADER = "X-SplitGuard-Forwarded-By";

  /** {@code POST /v1/members}: a brand-new member, added as a listener. */
  private void addMember(Context ctx) {
    JsonBody body = JsonBody.parse(json, ctx.bodyAsBytes(), Set.of("id", "raft", "api"), ADD_MEMBER_BODY);
    NodeId id;
    HostPort raft;
    HostPort api;
    try {
      id = NodeId.of(body.string("id", 64, false));
    } catch (IllegalArgumentException e) {
      throw ProblemException.badRequest("id: " + e.getMessage()).with("field", "id");
    }
    raft = address(body, "raft");
    api = address(body, "api");
    if (raft.equals(api)) {
      throw ProblemException.badRequest("api: must differ from raft (" + raft + ")").with("field", "api");
    }
    for (ClusterMember m : knownMembers()) {
      for (HostPort used : List.of(m.raft(), m.api())) {
        if (!m.id().equals(id) && (used.equals(raft) || used.equals(api))) {
          String field = used.equals(raft) ? "raft" : "api";
          throw new ProblemException(ErrorCode.CONFLICT, field + ": " + used + " is already used by member "
              + m.id()).with("field", field).with("member", id.value());
        }
      }
    }
    ClusterMember member = new ClusterMember(id, raft, api);
    requireQuorum("membership change");
    if (forwardedToLeader(ctx)) {
      return;
    }
    Membership current = currentMembership();
    MembershipChange change = new MembershipChange.AddListener(id);
    MembershipPolicy.Decision decision = MembershipPolicy.decide(current, change, reachable(monitor.view()));
    if (decision instanceof MembershipPolicy.Decision.Refused r) {
      throw new ProblemException(ErrorCode.CONFLICT, r.reason()).with("member", id.value());
    }
    Membership next = ((MembershipPolicy.Decision.Allowed) decision).next();
    LOG.info("event=membership_change_requested node={} traceId={} change={} raft={} api={} listeners={}",
        self, ctx.attribute(TRACE_ATTRIBUTE), change, raft, api, next.listeners());
    ctx.future(() -> membershipReply(ctx, change, registry.addListener(member, current, next)));
  }

  private static HostPort address(JsonBody body, String field) {
    String text = body.string(field, 300, false);
    try {
      return HostPort.parse(text);
    } catch (IllegalArgumentException e) {
      throw ProblemException.badRequest(field + ": " + e.getMessage()).with("field", field);
    }
  }

  private void changeMember(Context ctx, MembershipChange change) {
    requireQuorum("membership change");
    if (forwardedToLeader(ctx)) {
      return;
    }
    Membership current = currentMembership();
    MembershipMonitor m = membershipMonitor;
    long maxLag = m == null ? MembershipSettings.defaults().maxPromotionLagEntries() : m.settings().maxPromotionLagEntries();
    MembershipPolicy.ReplicationProgress progress =
        new MembershipPolicy.ReplicationProgress(registry.replicationLag(), true, maxLag);
    MembershipPolicy.Decision decision = MembershipPolicy.decide(current, change, reachable(monitor.view()), progress);
    if (decision instanceof MembershipPolicy.Decision.Refused r) {
      ErrorCode code = r.kind() == MembershipPolicy.Kind.UNKNOWN_MEMBER ? ErrorCode.NOT_FOUND : ErrorCode.CONFLICT;
      throw new ProblemException(code, r.reason()).with("member", change.member().value());
    }
    Membership next = ((MembershipPolicy.Decision.Allowed) decision).next();
    LOG.info("event=membership_change_requested node={} traceId={} change={} voters={} listeners={}",
        self, ctx.attribute(TRACE_ATTRIBUTE), change, next.voters(), next.listeners());
    ctx.future(() -> membershipReply(ctx, change, registry.changeMembership(current, next)));
  }

  private CompletableFuture<Void> membershipReply(Context ctx, MembershipChange change, CompletableFuture<Void> done) {
    return done
        .thenAccept(ok -> listMembers(ctx))
        .exceptionally(e -> {
          Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
          if (cause instanceof IOException) {
            // Raft refused it (another change in progress, or the configuration moved on).
            writeProblem(ctx, new ProblemException(ErrorCode.CONFLICT, cause.getMessage())
                .with("member", change.member().value()));
            return null;
          }
          if (cause instanceof java.util.concurrent.TimeoutException
              || cause instanceof io.splitguard.core.registry.OutcomeUnknownException) {
            writeProblem(ctx, new ProblemException(ErrorCode.TIMEOUT,
                "the configuration change may or may not have been made; list the members"));
            return null;
          }
          return failure(ctx, e, true);
        });
  }

  /**
   * Membership changes are decided on the leader, which alone knows how far each member's log is
   * behind. On another node, the request (already validated) is sent on to the leader and its
   * answer relayed; a request that was forwarded once is never forwarded again.
   *
   * @return whether the request was forwarded (the answer will come from the leader)
   */
  private boolean forwardedToLeader(Context ctx) {
    ConsensusStatus status = registry.status();
    if (status.role() == ConsensusStatus.Role.LEADER) {
      return false;
    }
    if (ctx.header(FORWARDED_HEADER) != null) {
      throw notLeader(status.leaderId(), "node " + self + " is not the leader any more; retry");
    }
    Optional<ClusterMember> leader = status.leaderId().flatMap(this::memberById);
    if (leader.isEmpty()) {
      throw notLeader(status.leaderId(), "no leader known to node " + self + " to decide the membership change; retry");
    }
    java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://" + leader.get().api() + ctx.path()))
        .timeout(settings.requestTimeout().plusSeconds(2))
        .header(FORWARDED_HEADER, self.value())
        .header("X-Trace-Id", String.valueOf((Object) ctx.attribute(TRACE_ATTRIBUTE)))
        .header("Content-Type", JSON)
        .method(ctx.method().name(), java.net.http.HttpRequest.BodyPublishers.ofByteArray(ctx.bodyAsBytes()));
    LOG.info("event=membership_change_forwarded node={} traceId={} leader={} path={}", self,
        ctx.attribute(TRACE_ATTRIBUTE), leader.get().id(), ctx.path());
    ctx.future(() -> forwarder.sendAsync(request.build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray())
        .thenAccept(reply -> {
          ctx.status(reply.statusCode());
          ctx.contentType(reply.headers().firstValue("Content-Type").orElse(JSON));
          reply.headers().firstValue("Retry-After").ifPresent(v -> ctx.header("Retry-After", v));
          ctx.result(reply.body());
        })
        .exceptionally(e -> {
          writeProblem(ctx, new ProblemException(ErrorCode.TIMEOUT, "forwarding to the leader "
              + leader.get().id() + " failed (" + e.getCause() + "): the configuration change may or may "
              + "not have been made; list the members"));
          return null;
        }));
    return true;
  }

  // ---- the write gate --------------------------------------------------------------------------

  private void requireQuorum(String what) {
    Optional<FenceReason> fenced = gate.refusal();
    if (fenced.isPresent()) {
      throw fenced(what, fenced.get());
    }
    if (!monitor.hasQuorum()) {
      throw partitioned(what);
    }
  }

  private ProblemException fenced(String what, FenceReason reason) {
    return new ProblemException(ErrorCode.PARTITIONED,
        "node " + self + " is fenced (" + reason.name() + ": " + reason.description() + "): " + what
            + " refused here; retry later or on another node")
        .with("nodeId", self.value())
        .with("fenced", true)
        .with("fencedReason", reason.name())
        .with("partitionStatus", monitor.view().status().name())
        .header("Retry-After", Long.toString(settings.retryAfterSeconds()));
  }

  private ProblemException partitioned(String what) {
    PartitionView view = monitor.view();
    PartitionMonitor.VoterReach reach = monitor.voterReach();
    return new ProblemException(ErrorCode.PARTITIONED,
        "node " + self + " reaches " + reach.reachable() + " of " + reach.voting()
            + " voting members, no majority: " + what + " refused here; retry later or on another node, "
            + "or read with ?consistency=stale")
        .with("nodeId", self.value())
        .with("partitionStatus", view.status().name())
        .header("Retry-After", Long.toString(settings.retryAfterSeconds()));
  }

  private ProblemException notLeader(Optional<NodeId> leader, String detail) {
    ProblemException p = new ProblemException(ErrorCode.NOT_LEADER, detail)
        .header("Retry-After", Long.toString(settings.retryAfterSeconds()));
    leader.flatMap(cluster::member).ifPresent(m -> {
      p.with("leader", m.id().value());
      p.with("leaderAddress", m.api().toString());
    });
    return p;
  }

  // ---- output --------------------------------------------------------------------------------

  private void writeJson(Context ctx, int status, JsonNode body) {
    if (body.has("revision")) {
      ctx.res().setHeader("ETag", "\"" + body.get("revision").asLong() + "\"");
    }
    send(ctx, status, JSON, bytes(body));
  }

  /**
   * Answers with a key's entry, written field by field: building a JSON tree and serialising it
   * was about a third of the handler's CPU under a read load. {@code stale} adds the local read's
   * marker and applied index.
   */
  private void writeEntry(Context ctx, KvEntry entry, boolean stale, long appliedIndex) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128 + entry.value().length());
    try (JsonGenerator g = json.getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("key", KeyspaceKeys.visible(entry.key()));
      g.writeStringField("value", entry.value());
      g.writeNumberField("revision", entry.modRevision());
      g.writeNumberField("createRevision", entry.createRevision());
      g.writeNumberField("version", entry.version());
      if (stale) {
        g.writeBooleanField("stale", true);
        g.writeNumberField("appliedIndex", appliedIndex);
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("writing JSON to memory cannot fail", e);
    }
    ctx.res().setHeader("ETag", "\"" + entry.modRevision() + "\"");
    send(ctx, 200, JSON, out.toByteArray());
  }

  /**
   * Writes a complete answer straight to the response, with its length. The framework's result
   * path copies every body through a compression wrapper that never compresses answers this
   * small; skipping it saved about 4% of a node's CPU under a read load. A client that went away
   * meanwhile is only logged: there is no one left to answer.
   */
  private void send(Context ctx, int status, String contentType, byte[] body) {
    jakarta.servlet.http.HttpServletResponse res = ctx.res();
    res.setStatus(status);
    res.setContentType(contentType);
    res.setContentLength(body.length);
    try {
      res.getOutputStream().write(body);
    } catch (IOException e) {
      LOG.debug("event=answer_not_written node={} traceId={} error={}", self,
          ctx.attribute(TRACE_ATTRIBUTE), e.toString());
    }
  }

  private void writeProblem(Context ctx, ProblemException e) {
    ObjectNode body = json.createObjectNode();
    body.put("type", "https://splitguard.io/problems/" + e.code().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
    body.put("title", e.code().title());
    body.put("status", e.code().status());
    body.put("detail", e.getMessage());
    body.put("code", e.code().name());
    body.put("instance", ctx.path());
    body.put("traceId", (String) ctx.attribute(TRACE_ATTRIBUTE));
    for (Map.Entry<String, Object> x : e.extensions().entrySet()) {
      body.set(x.getKey(), json.valueToTree(x.getValue()));
    }
    e.headers().forEach(ctx::header);
    ctx.status(e.code().status());
    ctx.contentType(PROBLEM_JSON);
    ctx.result(bytes(body));
  }

  private byte[] bytes(JsonNode body) {
    try {
      return json.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("serialising a JSON tree cannot fail", e);
    }
  }

  /**
   * Reads and discards what is left of a body refused for its size, up to
   * {@link #OVERSIZED_BODY_DRAIN_BYTES}, so that the client reads the answer instead of a reset.
   */
  private void drainRefusedBody(Context ctx) {
    byte[] sink = new byte[64 * 1024];
    long left = OVERSIZED_BODY_DRAIN_BYTES;
    try {
      java.io.InputStream in = ctx.req().getInputStream();
      int n;
      while (left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) >= 0) {
        left -= n;
      }
    } catch (java.io.IOException clientGone) {
      return;
    }
    if (left <= 0) {
      ctx.header("Connection", "close");
      LOG.info("event=oversized_body_not_drained node={} traceId={} drainedBytes={}",
          self, ctx.attribute(TRACE_ATTRIBUTE), OVERSIZED_BODY_DRAIN_BYTES);
    }
  }

  private static ProblemException fromJavalin(HttpResponseException e) {
    int status = e.getStatus();
    if (status == 404) {
      return new ProblemException(ErrorCode.NOT_FOUND, "no such endpoint");
    }
    if (status == 405) {
      String allowed = e.getDetails().getOrDefault("availableMethods", "");
      return ProblemException.badRequest("method: not allowed on this endpoint; allowed: " + allowed)
          .header("Allow", allowed);
    }
    if (status == 413) {
      return ProblemException.badRequest("body: too large (" + e.getMessage() + ")");
    }
    if (status >= 400 && status < 500) {
      return ProblemException.badRequest(e.getMessage());
    }
    return new ProblemException(ErrorCode.INTERNAL, e.getMessage());
  }

  private ProblemException internal(Context ctx, Throwable e) {
    if (e instanceof ProblemException p) {
      return p;
    }
    if (e instanceof HttpResponseException h) {
      return fromJavalin(h);
    }
    LOG.error("event=internal_error node={} traceId={} path={}", self, ctx.attribute(TRACE_ATTRIBUTE), ctx.path(), e);
    return new ProblemException(ErrorCode.INTERNAL, "internal error; see the node log for traceId");
  }
}
