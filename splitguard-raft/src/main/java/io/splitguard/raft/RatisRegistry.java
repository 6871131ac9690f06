package io.splitguard.raft;

import io.splitguard.core.cluster.ClusterMember;
import io.splitguard.core.cluster.HostPort;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.keyspace.KeyspaceCodec;
import io.splitguard.core.keyspace.KeyspaceCommand;
import io.splitguard.core.keyspace.KeyspaceResult;
import io.splitguard.core.election.LeaderContact;
import io.splitguard.core.kv.KvCodec;
import io.splitguard.core.kv.KvCommand;
import io.splitguard.core.kv.KvEntry;
import io.splitguard.core.kv.KvResult;
import io.splitguard.core.lock.GuardedValue;
import io.splitguard.core.lock.LockCodec;
import io.splitguard.core.lock.LockCommand;
import io.splitguard.core.lock.LockResult;
import io.splitguard.core.membership.MemberAddresses;
import io.splitguard.core.membership.MemberRole;
import io.splitguard.core.membership.Membership;
import io.splitguard.core.registry.AppliedRequests;
import io.splitguard.core.registry.BatchCodec;
import io.splitguard.core.registry.ConsensusStatus;
import io.splitguard.core.registry.LeadershipView;
import io.splitguard.core.registry.NoLeaderException;
import io.splitguard.core.registry.OutcomeUnknownException;
import io.splitguard.core.registry.Registry;
import io.splitguard.core.registry.RegistryCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.impl.ClientProtoUtils;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Registry} replicated by an embedded Apache Ratis server (gRPC transport).
 *
 * <p>Each node runs one Raft server. Writes and linearizable reads go to the leader this node's
 * server follows through a {@link LeaderRouter}: straight into the local server when this node
 * leads, else over Ratis' gRPC transport (this is how "any node accepts any request" is
 * implemented). Concurrent requests share rounds ({@link RequestBatcher}); a follower forwards its
 * writes to the leader, which merges them into its own rounds (see {@link #acceptForward}).
 * Reads use read index: the leader confirms its leadership with a majority before answering; a
 * follower would have to wait for the next append to learn the commit index. Local reads bypass
 * Raft. Membership changes go through a Ratis client.
 *
 * <p>Every write is bounded by {@code requestTimeout}: past it the caller gets {@link
 * OutcomeUnknownException}, because the entry may already be in the log and may still commit.
 */
public final class RatisRegistry implements Registry {
  private static final Logger LOG = LoggerFactory.getLogger(RatisRegistry.class);

  // Batching of concurrent requests into consensus rounds (RequestBatcher). One round in flight
  // per node: everything that arrives meanwhile leaves as the next round. Measured with 64 and
  // 256 clients (docs/benchmarks.md), two or four rounds in flight only split the same load into
  // smaller batches and cost more CPU per request. The byte ceiling keeps a batch far below the
  // Raft message limit; a larger value goes alone.
  private static final int ROUNDS_IN_FLIGHT = 1;
  // A follower does not append: it forwards its batch to the leader, which merges it into its
  // own round (sendForward). Two forwards in flight let writes that arrive while one waits on
  // the leader's round reach the leader's queue before that round ends, so they leave in the
  // next one rather than the one after; a forward costs a message, not a log entry.
  private static final int FORWARDS_IN_FLIGHT = 2;
  private static final int MAX_BATCH_ELEMENTS = 512;
  private static final long MAX_BATCH_BYTES = 1L << 20;

  private final RegistryOptions options;
  private final RaftGroup group;
  private final RaftPeerId selfPeer;
  private final RaftServer server;
  // Replaced when this node's server learns of a leader the client does not know (see
  // clientForWrites); retired clients are closed once their requests can no longer matter.
  private volatile RaftClient client;
  private volatile KnownLeader knownLeader;
  private final Object clientLock = new Object();
  private final List<RaftClient> retired = new ArrayList<>();
  private final ScheduledExecutorService retirer;
  private final RegistryStateMachine stateMachine;
  private final Duration requestTimeout;
  private final AtomicLong stepDownCallIds = new AtomicLong();
  // Its own client, never replaced: only its transport is used, by the router.
  private final RaftClient routerClient;
  private final LeaderRouter router;
  // Answers of consensus rounds are handled here, off Ratis' threads (see RequestBatcher). A
  // pool, not one thread: a caller's continuation that blocks must not stall every answer.
  private final ExecutorService roundCompletions;
  private final RequestBatcher writes;
  private final RequestBatcher reads;
  // Identity of the writes this node forwards to the leader: a client id of their own, so an
  // element id never equals the id of an entry this node's router appends.
  private final byte[] forwardOrigin = ClientId.randomId().toByteString().toByteArray();
  private final AtomicLong forwardCalls = new AtomicLong();
  private final AtomicLong forwardedWritesAccepted = new AtomicLong();
  // Forwarded writes this leader has accepted and not yet answered, by id: a forward sent again
  // (its sender heard nothing in time) joins them instead of being appended a second time.
  private final Map<AppliedRequests.RequestId, CompletableFuture<byte[]>> forwardedInFlight =
      new ConcurrentHashMap<>();

  private RatisRegistry(
      RegistryOptions options, RaftGroup group, RaftServer server, RaftClient client,
      RegistryStateMachine stateMachine) {
    this.options = options;
    this.group = group;
    this.selfPeer = RaftPeerId.valueOf(options.self().value());
    this.server = server;
    this.client = client;
    this.retirer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "raft-client-retirer-" + options.self());
      t.setDaemon(true);
      return t;
    });
    this.stateMachine = stateMachine;
    this.requestTimeout = options.settings().requestTimeout();
    this.routerClient = newClient(options, group, null);
    this.router = new LeaderRouter(
        LeaderRouter.Transport.of(server, group.getGroupId(), selfPeer, routerClient.getClientRpc()),
        group.getGroupId(), selfPeer, retirer, requestTimeout, options.settings().electionTimeoutMin());
    this.roundCompletions = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "raft-round-completions-" + options.self());
      t.setDaemon(true);
      return t;
    });
    // Separate lanes: forwards still pending at a leader that died are re-sent to the new leader;
    // if that is this node, they come back as its own writes and must not wait behind themselves.
    RequestBatcher.Lane appending = new RequestBatcher.Lane("append", ROUNDS_IN_FLIGHT,
        requests -> sendRound(requests, router::write, "write", OutcomeUnknownException::new));
    RequestBatcher.Lane forwarding = new RequestBatcher.Lane("forward", FORWARDS_IN_FLIGHT,
        this::sendForward);
    this.writes = new RequestBatcher(() -> leadsNow() ? appending : forwarding,
        MAX_BATCH_ELEMENTS, MAX_BATCH_BYTES, roundCompletions);
    this.reads = new RequestBatcher(ROUNDS_IN_FLIGHT, MAX_BATCH_ELEMENTS, MAX_BATCH_BYTES,
        requests -> sendRound(requests, router::readLinearizable, "read index",
            (message, cause) -> new NoLeaderException(message, leaderHint(), cause)),
        roundCompletions);
    stateMachine.acceptForwardsWith(this::acceptForward);
  }

  /**
   * Starts this node's Raft server (recovering from its snapshot and log if it has them) and its
   * client. Returns once the server is listening; a leader may not be elected yet.
   *
   * @throws IOException if storage cannot be opened or the port cannot be bound
   */
  public static RatisRegistry start(RegistryOptions options) throws IOException {
    return start(options, System::currentTimeMillis);
  }

  /**
   * As {@link #start(RegistryOptions)}, with the wall clock this node stamps into lock commands
   * while it leads (tests replace it to play leaders with clocks that disagree).
   */
  static RatisRegistry start(RegistryOptions options, LongSupplier leaderClockMs) throws IOException {
    return start(options, leaderClockMs, false);
  }

  /**
   * Starts a node that joins a running cluster: its Raft server starts with an empty
   * configuration, so it neither campaigns nor votes, and waits until the leader adds it (as a
   * listener, {@link #addListener}) and sends it the log or a snapshot. The cluster file must
   * list the running members (for this node's client and heartbeats) and this node. On a restart
   * with a log, the configuration in the log is used as for any node.
   */
  public static RatisRegistry startJoining(RegistryOptions options) throws IOException {
    return start(options, System::currentTimeMillis, true);
  }

  private static RatisRegistry start(RegistryOptions options, LongSupplier leaderClockMs, boolean join)
      throws IOException {
    Path storage = options.dataDir().resolve("raft");
    Files.createDirectories(storage);
    RaftGroup group = RaftGroup.valueOf(groupId(options.clusterName()), peers(options.cluster().members()));
    // A joining server must not believe it belongs to the group: with an empty configuration
    // Ratis starts it "initializing", answering the leader's appends but never campaigning.
    RaftGroup serverGroup = join ? RaftGroup.valueOf(group.getGroupId()) : group;
    ClusterMember self = options.cluster().require(options.self());
    RegistryStateMachine stateMachine = new RegistryStateMachine(leaderClockMs);
    RaftServer server = RaftServer.newBuilder()
        .setServerId(RaftPeerId.valueOf(options.self().value()))
        .setGroup(serverGroup)
        .setProperties(RatisProperties.server(options.settings(), self.raft(), storage))
        .setStateMachine(stateMachine)
        .setOption(RaftStorage.StartupOption.RECOVER)
        .build();
    server.start();
    RaftClient client = newClient(options, group, null);
    LOG.info("event=registry_started node={} raft={} group={} storage={} join={}",
        options.self(), self.raft(), group.getGroupId().getUuid(), storage, join);
    return new RatisRegistry(options, group, server, client, stateMachine);
  }

  private static RaftClient newClient(RegistryOptions options, RaftGroup group, RaftPeerId leader) {
    long sleepMillis = 100;
    int retries = (int) Math.max(1, options.settings().requestTimeout().toMillis() / sleepMillis);
    RaftClient.Builder b = RaftClient.newBuilder()
        .setProperties(RatisProperties.client(options.settings()))
        .setRaftGroup(group)
        .setClientId(ClientId.randomId())
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
            retries, RatisProperties.td(Duration.ofMillis(sleepMillis))));
    if (leader != null) {
      b.setLeaderId(leader);
    }
    return b.build();
  }

  /**
   * The client for an administrative request (membership changes), pointed at the leader this
   * node's own server follows. Ratis' ordered
   * client keeps sending to the leader it last knew; when that leader is paused or cut off (not
   * refusing connections), each request waits out the client's RPC timeout and later requests
   * queue behind it, so writes through this node would time out for several seconds after a
   * failover. This node's server learns the new leader from its first heartbeat; when it names a
   * leader the client does not use, a fresh client starting at that leader takes over. The old
   * one finishes its requests and is closed after {@code requestTimeout} (their callers have been
   * told TIMEOUT by then).
   */
  private RaftClient clientForWrites() {
    RaftClient current = client;
    RaftPeerId known;
    try {
      known = server.getDivision(group.getGroupId()).getInfo().getLeaderId();
    } catch (IOException | RuntimeException e) {
      return current;
    }
    if (known == null || known.equals(current.getLeaderId())) {
      return current;
    }
    synchronized (clientLock) {
      if (client == current && !known.equals(current.getLeaderId())) {
        RaftClient fresh = newClient(options, group, known);
        client = fresh;
        retired.add(current);
        LOG.info("event=raft_client_redirected node={} from={} to={}", options.self(), current.getLeaderId(), known);
        try {
          retirer.schedule(() -> retire(current), requestTimeout.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
          retire(current); // closing
        }
      }
      return client;
    }
  }

  private void retire(RaftClient old) {
    synchronized (clientLock) {
      if (!retired.remove(old)) {
        return;
      }
    }
    try {
      old.close();
    } catch (IOException | RuntimeException e) {
      LOG.debug("event=raft_client_close_failed node={} error={}", options.self(), e.toString());
    }
  }

  /** The Raft group id: derived from the cluster name so that every node computes the same one. */
  static RaftGroupId groupId(String clusterName) {
    return RaftGroupId.valueOf(
        UUID.nameUUIDFromBytes(("splitguard/" + clusterName).getBytes(StandardCharsets.UTF_8)));
  }

  private static List<RaftPeer> peers(List<ClusterMember> members) {
    return members.stream()
        .map(m -> RaftPeer.newBuilder().setId(m.id().value()).setAddress(m.raft().toString()).build())
        .toList();
  }

  @Override
  public CompletableFuture<KvResult> submit(KvCommand command) {
    return write(KvCodec.encodeCommand(command), KvCodec::decodeResult);
  }

  @Override
  public CompletableFuture<LockResult> submit(LockCommand command) {
    // Sent unstamped: the leader stamps its time when it appends (RegistryStateMachine).
    return write(LockCodec.encodeCommand(command), LockCodec::decodeResult);
  }

  @Override
  public CompletableFuture<KeyspaceResult> submit(KeyspaceCommand command) {
    return write(KeyspaceCodec.encodeCommand(command), KeyspaceCodec::decodeResult);
  }

  @Override
  public LocalKeyspaces keyspacesLocal() {
    return stateMachine.keyspacesLocal();
  }

  private <T> CompletableFuture<T> write(byte[] command, Function<byte[], T> decodeResult) {
    // Commands stamped with the leader's time on append (RegistryStateMachine.startTransaction)
    // are never batched: the stamp is applied to single entries only.
    CompletableFuture<byte[]> answer = LockCodec.needsTime(command)
        ? sendRound(List.of(BatchCodec.Element.of(command)), router::write, "write",
            OutcomeUnknownException::new)
            .thenApply(outcomes -> single(outcomes))
        : writes.submit(command);
    // The timeout completes our own future, never Ratis': its retries keep going, and a late
    // commit is still applied everywhere; only our answer to the client gives up. A request still
    // queued when it times out is never sent.
    return answer
        .orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .thenApply(decodeResult)
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(asWriteFailure(e)));
  }

  @Override
  public CompletableFuture<Optional<KvEntry>> readLinearizable(String key) {
    return read(KvCodec.encodeQuery(key), KvCodec::decodeQueryAnswer);
  }

  @Override
  public CompletableFuture<Optional<GuardedValue>> readGuardedLinearizable(String resource) {
    return read(RegistryCodec.encodeGuardedQuery(resource), RegistryCodec::decodeGuardedAnswer);
  }

  private <T> CompletableFuture<T> read(byte[] query, Function<byte[], T> decodeAnswer) {
    return reads.submit(query)
        .orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .thenApply(decodeAnswer)
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(asReadFailure(e)));
  }

  /**
   * Sends one consensus round: a lone request as itself, several (or one with an id of its own)
   * as one {@link BatchCodec} batch. A round without a successful reply fails every request in it
   * with {@code failure}.
   */
  private CompletableFuture<List<BatchCodec.Outcome>> sendRound(List<BatchCodec.Element> requests,
      Function<Message, CompletableFuture<RaftClientReply>> transport, String what,
      BiFunction<String, Throwable, RuntimeException> failure) {
    boolean batch = requests.size() > 1 || requests.get(0).id() != null;
    byte[] bytes = batch ? BatchCodec.encodeElements(requests) : requests.get(0).bytes();
    return transmit(bytes, transport, what, failure, content -> batch
        ? BatchCodec.decodeOutcomes(content)
        : List.<BatchCodec.Outcome>of(new BatchCodec.Outcome.Done(content)));
  }

  /** Sends {@code bytes} once through {@code transport}; a reply that is no success fails. */
  private CompletableFuture<List<BatchCodec.Outcome>> transmit(byte[] bytes,
      Function<Message, CompletableFuture<RaftClientReply>> transport, String what,
      BiFunction<String, Throwable, RuntimeException> failure,
      Function<byte[], List<BatchCodec.Outcome>> decode) {
    CompletableFuture<RaftClientReply> sent;
    try {
      sent = transport.apply(Message.valueOf(UnsafeByteOperations.unsafeWrap(bytes)));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(
          new NoLeaderException("could not submit: " + e.getMessage(), leaderHint(), e));
    }
    return sent.thenApply(reply -> {
      if (!reply.isSuccess()) {
        throw new CompletionException(
            failure.apply(what + " not confirmed: " + describe(reply), reply.getException()));
      }
      return decode.apply(reply.getMessage().getContent().toByteArray());
    });
  }

  /** Whether this node's server leads now (it then appends writes itself). */
  private boolean leadsNow() {
    try {
      return server.getDivision(group.getGroupId()).getInfo().isLeader();
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * A follower's round of writes goes to the leader as one forward, and the leader merges it
   * with everything else it has queued into one log entry. Rounds sent by each node separately
   * would each cost the cluster a log entry, an fsync on every replica and a dozen thread
   * hand-offs; with writes arriving at all nodes, that per-round cost, not the disk, bounded
   * throughput (docs/benchmarks.md). Every element gets an id of its own first, so a forward
   * retried into another entry is applied once.
   */
  private CompletableFuture<List<BatchCodec.Outcome>> sendForward(List<BatchCodec.Element> requests) {
    List<BatchCodec.Element> identified = new ArrayList<>(requests.size());
    for (BatchCodec.Element e : requests) {
      identified.add(e.id() != null ? e : new BatchCodec.Element(e.bytes(),
          new AppliedRequests.RequestId(forwardOrigin, forwardCalls.incrementAndGet())));
    }
    return transmit(BatchCodec.encodeForward(identified), router::forward, "forwarded write",
        OutcomeUnknownException::new, BatchCodec::decodeOutcomes);
  }

  /**
   * The leader's side of {@link #sendForward}: each forwarded write joins this node's own write
   * batcher under its id; the answer lists their outcomes in order. A node that does not lead
   * refuses the whole forward, so that its sender tries the leader; one that stops leading with
   * writes queued sends them on like its own.
   */
  CompletableFuture<byte[]> acceptForward(byte[] forward) {
    if (!leadsNow()) {
      return CompletableFuture.completedFuture(BatchCodec.forwardRefused());
    }
    List<BatchCodec.Element> elements;
    try {
      elements = BatchCodec.decodeForward(forward);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    List<CompletableFuture<BatchCodec.Outcome>> outcomes = new ArrayList<>(elements.size());
    for (BatchCodec.Element element : elements) {
      CompletableFuture<byte[]> mine = new CompletableFuture<>();
      CompletableFuture<byte[]> answer = forwardedInFlight.putIfAbsent(element.id(), mine);
      if (answer == null) {
        answer = mine;
        forwardedWritesAccepted.incrementAndGet();
        writes.submit(element.bytes(), element.id())
            .orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
            .whenComplete((result, error) -> {
              forwardedInFlight.remove(element.id(), mine);
              if (error != null) {
                mine.completeExceptionally(error);
              } else {
                mine.complete(result);
              }
            });
      }
      outcomes.add(answer.handle(RatisRegistry::forwardedOutcome));
    }
    return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
        .thenApply(done -> BatchCodec.encodeOutcomes(
            outcomes.stream().map(CompletableFuture::join).toList()));
  }

  /** Writes other nodes forwarded that this node accepted (as leader) since it started. */
  long forwardedWritesAccepted() {
    return forwardedWritesAccepted.get();
  }

  private static BatchCodec.Outcome forwardedOutcome(byte[] result, Throwable error) {
    if (error == null) {
      return new BatchCodec.Outcome.Done(result);
    }
    Throwable cause = error instanceof CompletionException && error.getCause() != null
        ? error.getCause() : error;
    if (cause instanceof IllegalStateException) {
      return new BatchCodec.Outcome.Failed(String.valueOf(cause.getMessage()));
    }
    if (cause instanceof OutcomeUnknownException) {
      return new BatchCodec.Outcome.Unknown(String.valueOf(cause.getMessage()));
    }
    // No answer in time, no leader, or a round without a reply: the write may have been logged.
    return new BatchCodec.Outcome.Unknown("the leader's round has no answer: " + cause);
  }

  private static byte[] single(List<BatchCodec.Outcome> outcomes) {
    return ((BatchCodec.Outcome.Done) outcomes.get(0)).result();
  }

  @Override
  public LocalRead readLocal(String key) {
    RegistryStateMachine.ReadAtIndex read = stateMachine.readLocal(key);
    return new LocalRead(read.entry(), read.index());
  }

  @Override
  public LocalLockRead readLockLocal(String name) {
    return stateMachine.readLockLocal(name);
  }

  @Override
  public LocalGuardedRead readGuardedLocal(String resource) {
    return stateMachine.readGuardedLocal(resource);
  }

  @Override
  public ConsensusStatus status() {
    try {
      RaftServer.Division division = server.getDivision(group.getGroupId());
      DivisionInfo info = division.getInfo();
      if (!info.isAlive()) {
        return stopped();
      }
      RaftPeerId leader = info.getLeaderId();
      return new ConsensusStatus(
          roleFromConfiguration(role(info.getCurrentRole()), division.getRaftConf()),
          Optional.ofNullable(leader).map(id -> NodeId.of(id.toString())),
          info.getCurrentTerm(),
          info.getLastAppliedIndex(),
          division.getRaftLog().getLastCommittedIndex());
    } catch (IOException | RuntimeException e) {
      return stopped();
    }
  }

  @Override
  public Optional<NodeId> leaderId() {
    try {
      DivisionInfo info = server.getDivision(group.getGroupId()).getInfo();
      RaftPeerId leader = info.isLeader() ? selfPeer : info.getLeaderId();
      if (leader == null) {
        return Optional.empty();
      }
      KnownLeader known = knownLeader;
      if (known == null || !known.peer().equals(leader)) {
        known = new KnownLeader(leader, Optional.of(NodeId.of(leader.toString())));
        knownLeader = known;
      }
      return known.id();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * The last leader {@link #leaderId()} named. Every HTTP answer names the leader, and validating
   * a fresh {@link NodeId} for each was a measurable part of a read.
   */
  private record KnownLeader(RaftPeerId peer, Optional<NodeId> id) {}

  /**
   * This node's leadership for self-fencing: as leader, the age of the majority's last answers
   * to its appends. Ratis reports when each follower's last answer <em>arrived</em>; the
   * follower heard the leader at most one round trip earlier (see docs/fencing.md).
   */
  public LeadershipView leadership() {
    try {
      DivisionInfo info = server.getDivision(group.getGroupId()).getInfo();
      if (!info.isAlive()) {
        return LeadershipView.leaderless(info.getCurrentTerm());
      }
      RoleInfoProto role = info.getRoleInfoProto();
      if (!info.isLeader() || !role.hasLeaderInfo()) {
        // Ratis starts a follower's "last heard from the leader" clock when the node becomes
        // follower, and a leader that steps down may still name itself: neither is contact with
        // a leader. Only a message received after becoming follower, from another node, is.
        RaftPeerId leaderId = info.getLeaderId();
        if ((info.isFollower() || info.isListener()) && leaderId != null && !leaderId.equals(selfPeer) && role.hasFollowerInfo()) {
          long age = role.getFollowerInfo().getLeaderInfo().getLastRpcElapsedTimeMs();
          if (age < role.getRoleElapsedTimeMs()) {
            return LeadershipView.follower(info.getCurrentTerm(), age);
          }
        }
        return LeadershipView.leaderless(info.getCurrentTerm());
      }
      // Only voters' answers keep the lease: a listener's answer commits nothing.
      Set<String> voterIds = new HashSet<>();
      server.getDivision(group.getGroupId()).getRaftConf().getCurrentPeers(RaftPeerRole.FOLLOWER)
          .forEach(p -> voterIds.add(p.getId().toString()));
      List<Long> ages = new ArrayList<>();
      for (ServerRpcProto follower : role.getLeaderInfo().getFollowerInfoList()) {
        if (voterIds.contains(follower.getId().getId().toStringUtf8())) {
          ages.add(follower.getLastRpcElapsedTimeMs());
        }
      }
      ages.sort(null);
      int voters = voterIds.size();
      int othersNeeded = voters / 2; // a majority is voters / 2 + 1, this node included
      long age = othersNeeded == 0 ? 0
          : ages.size() >= othersNeeded ? ages.get(othersNeeded - 1) : Long.MAX_VALUE;
      return new LeadershipView(true, info.getCurrentTerm(), info.isLeaderReady(), age, 0);
    } catch (IOException | RuntimeException e) {
      return LeadershipView.leaderless(0);
    }
  }

  /**
   * This node's contact with its leader, as a follower (see {@link LeaderContact}): empty when it
   * leads, is a listener, knows no leader, or has not heard from the leader since it became
   * follower (Ratis starts that clock at the role change, which is not contact).
   */
  @Override
  public Optional<LeaderContact> leaderContact() {
    try {
      RaftServer.Division division = server.getDivision(group.getGroupId());
      DivisionInfo info = division.getInfo();
      RaftPeerId leaderId = info.getLeaderId();
      if (!info.isAlive() || !info.isFollower() || leaderId == null || leaderId.equals(selfPeer)) {
        return Optional.empty();
      }
      RoleInfoProto role = info.getRoleInfoProto();
      if (!role.hasFollowerInfo()) {
        return Optional.empty();
      }
      long silence = role.getFollowerInfo().getLeaderInfo().getLastRpcElapsedTimeMs();
      if (silence >= role.getRoleElapsedTimeMs() || role.getFollowerInfo().getOutstandingOp() > 0) {
        // Never heard since the role change, or an append from the leader is being handled now.
        return Optional.empty();
      }
      TermIndex last = division.getRaftLog().getLastEntryTermIndex();
      return Optional.of(new LeaderContact(NodeId.of(leaderId.toString()), info.getCurrentTerm(), silence,
          last == null ? 0 : last.getTerm(), last == null ? -1 : last.getIndex()));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Starts an election on this follower now, in place of the silent leader named in {@code
   * contact}, through Ratis' leadership-transfer entry point ({@code startLeaderElection}, which
   * a leader sends to its chosen successor). The caller has established that a majority agrees the
   * leader is gone ({@link io.splitguard.core.election.PromptElection}); Ratis refuses when this
   * node is no longer a follower of that leader in that term, or its log is behind its own last
   * entry. Returns whether the election started.
   */
  public boolean startElectionInPlaceOf(LeaderContact contact) {
    try {
      RaftServer.Division division = server.getDivision(group.getGroupId());
      TermIndex last = division.getRaftLog().getLastEntryTermIndex();
      if (last == null || last.getTerm() != contact.term()
          || !contact.leader().equals(leaderId().orElse(null))) {
        // Ratis recognises the "leader" of the request only in the current term, which is the term
        // of the last entry once the follower has received the leader's first entry.
        return false;
      }
      StartLeaderElectionRequestProto request = StartLeaderElectionRequestProto.newBuilder()
          .setServerRequest(ClientProtoUtils.toRaftRpcRequestProtoBuilder(
              RaftGroupMemberId.valueOf(RaftPeerId.valueOf(contact.leader().value()), group.getGroupId()), selfPeer))
          .setLeaderLastEntry(last.toProto())
          .build();
      boolean started = server.startLeaderElection(request).getServerReply().getSuccess();
      LOG.info("event=prompt_election node={} silent_leader={} term={} silence_ms={} last_index={} started={}",
          options.self(), contact.leader(), contact.term(), contact.silenceMs(), last.getIndex(), started);
      return started;
    } catch (IOException | RuntimeException e) {
      LOG.info("event=prompt_election node={} silent_leader={} term={} started=false error={}",
          options.self(), contact.leader(), contact.term(), e.toString());
      return false;
    }
  }

  /**
   * Asks this node's Raft server to give up leadership (Ratis "step down": no successor is
   * chosen; the others elect one when they can). Completes when the request was answered; a
   * node that is no longer leader answers with an error, which is fine.
   */
  public CompletableFuture<Void> stepDown(long term) {
    TransferLeadershipRequest request = new TransferLeadershipRequest(
        ClientId.randomId(), selfPeer, group.getGroupId(), stepDownCallIds.incrementAndGet(), null,
        options.settings().electionTimeoutMin().toMillis());
    try {
      return server.transferLeadershipAsync(request).handle((reply, error) -> {
        LOG.info("event=raft_step_down node={} term={} success={} error={}", options.self(), term,
            reply != null && reply.isSuccess(), error != null ? error.toString()
                : reply != null && reply.getException() != null ? reply.getException().getMessage() : "none");
        return null;
      });
    } catch (IOException | RuntimeException e) {
      LOG.info("event=raft_step_down node={} term={} success=false error={}", options.self(), term, e.toString());
      return CompletableFuture.completedFuture(null);
    }
  }

  /**
   * Asks Raft to hand this node's leadership to {@code target} (which must be caught up; Ratis
   * checks). Completes with whether it was accepted.
   */
  public CompletableFuture<Boolean> transferLeadership(NodeId target) {
    TransferLeadershipRequest request = new TransferLeadershipRequest(
        ClientId.randomId(), selfPeer, group.getGroupId(), stepDownCallIds.incrementAndGet(),
        RaftPeerId.valueOf(target.value()), options.settings().electionTimeoutMax().toMillis());
    try {
      return server.transferLeadershipAsync(request).handle((reply, error) -> {
        boolean ok = error == null && reply != null && reply.isSuccess();
        LOG.info("event=raft_transfer_leadership node={} target={} success={}", options.self(), target, ok);
        return ok;
      });
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.completedFuture(false);
    }
  }

  /** The consensus configuration now: voters and listeners, in cluster-file order. */
  @Override
  public Membership membership() throws IOException {
    RaftConfiguration conf = server.getDivision(group.getGroupId()).getRaftConf();
    Set<String> voters = new HashSet<>();
    conf.getCurrentPeers(RaftPeerRole.FOLLOWER).forEach(p -> voters.add(p.getId().toString()));
    Set<String> listeners = new HashSet<>();
    conf.getCurrentPeers(RaftPeerRole.LISTENER).forEach(p -> listeners.add(p.getId().toString()));
    Map<NodeId, MemberRole> roles = new LinkedHashMap<>();
    for (ClusterMember m : options.cluster().members()) {
      if (voters.contains(m.id().value())) {
        roles.put(m.id(), MemberRole.VOTER);
      } else if (listeners.contains(m.id().value())) {
        roles.put(m.id(), MemberRole.LISTENER);
      }
    }
    // Members added at run time, after the cluster file's, in a stable (sorted) order.
    new TreeSet<>(voters).forEach(id -> roles.putIfAbsent(NodeId.of(id), MemberRole.VOTER));
    new TreeSet<>(listeners).forEach(id -> roles.putIfAbsent(NodeId.of(id), MemberRole.LISTENER));
    return new Membership(roles);
  }

  @Override
  public List<ClusterMember> configuredMembers() throws IOException {
    Membership membership = membership();
    RaftConfiguration conf = server.getDivision(group.getGroupId()).getRaftConf();
    List<ClusterMember> members = new ArrayList<>();
    for (NodeId id : membership.roles().keySet()) {
      Optional<ClusterMember> known = options.cluster().member(id).or(() -> recordedAddresses(id));
      if (known.isEmpty()) {
        continue; // its address record has not been applied here yet
      }
      RaftPeer peer = conf.getPeer(RaftPeerId.valueOf(id.value()), RaftPeerRole.FOLLOWER, RaftPeerRole.LISTENER);
      members.add(peer == null ? known.get()
          : new ClusterMember(id, HostPort.parse(peer.getAddress()), known.get().api()));
    }
    return members;
  }

  private Optional<ClusterMember> recordedAddresses(NodeId id) {
    return stateMachine.readLocal(MemberAddresses.key(id)).entry()
        .flatMap(e -> MemberAddresses.decode(id, e.value()));
  }

  @Override
  public CompletableFuture<Void> addListener(ClusterMember member, Membership current, Membership next) {
    KvCommand record = KvCommand.Put.of(MemberAddresses.key(member.id()),
        MemberAddresses.encode(member));
    return submit(record).thenCompose(written -> {
      LOG.info("event=member_addresses_recorded node={} member={} raft={} api={} revision={}",
          options.self(), member.id(), member.raft(), member.api(), written);
      return changeMembership(current, next);
    });
  }

  @Override
  public Map<NodeId, Long> replicationLag() {
    try {
      RaftServer.Division division = server.getDivision(group.getGroupId());
      DivisionInfo info = division.getInfo();
      if (!info.isLeader()) {
        return Map.of();
      }
      RoleInfoProto role = info.getRoleInfoProto();
      long[] matched = info.getFollowerMatchIndices();
      if (!role.hasLeaderInfo() || role.getLeaderInfo().getFollowerInfoCount() != matched.length) {
        return Map.of(); // the followers changed between the two looks; ask again next time
      }
      long commit = division.getRaftLog().getLastCommittedIndex();
      Map<NodeId, Long> lag = new LinkedHashMap<>();
      for (int i = 0; i < matched.length; i++) {
        String id = role.getLeaderInfo().getFollowerInfo(i).getId().getId().toStringUtf8();
        lag.put(NodeId.of(id), Math.max(0, commit - matched[i]));
      }
      return lag;
    } catch (IOException | RuntimeException e) {
      return Map.of();
    }
  }

  /**
   * Proposes {@code next} through Raft's joint consensus, on condition that the configuration is
   * still {@code current} (compare-and-set: two operators cannot interleave changes). Completes
   * when the new configuration is committed.
   */
  @Override
  public CompletableFuture<Void> changeMembership(Membership current, Membership next) {
    SetConfigurationRequest.Arguments arguments;
    try {
      arguments = SetConfigurationRequest.Arguments.newBuilder()
          .setServersInCurrentConf(raftPeers(current.voters()))
          .setListenersInCurrentConf(raftPeers(current.listeners()))
          .setServersInNewConf(raftPeers(next.voters()))
          .setListenersInNewConf(raftPeers(next.listeners()))
          .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
          .build();
    } catch (CompletionException e) {
      return CompletableFuture.failedFuture(e.getCause());
    }
    return CompletableFuture.supplyAsync(() -> {
      try {
        RaftClientReply reply = clientForWrites().admin().setConfiguration(arguments);
        if (!reply.isSuccess()) {
          throw new CompletionException(new IOException("configuration change not accepted: "
              + (reply.getException() == null ? "unknown" : reply.getException().getMessage())));
        }
        LOG.info("event=membership_changed node={} voters={} listeners={}", options.self(),
            next.voters(), next.listeners());
        return (Void) null;
      } catch (IOException e) {
        throw new CompletionException(e);
      }
    }, retirer).orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private List<RaftPeer> raftPeers(Set<NodeId> ids) {
    RaftConfiguration conf;
    try {
      conf = server.getDivision(group.getGroupId()).getRaftConf();
    } catch (IOException e) {
      throw new CompletionException(e);
    }
    List<RaftPeer> peers = new ArrayList<>();
    for (NodeId id : ids) {
      RaftPeer inConf = conf.getPeer(RaftPeerId.valueOf(id.value()), RaftPeerRole.FOLLOWER, RaftPeerRole.LISTENER);
      if (inConf != null) {
        peers.add(RaftPeer.newBuilder().setId(id.value()).setAddress(inConf.getAddress()).build());
        continue;
      }
      ClusterMember m = options.cluster().member(id).or(() -> recordedAddresses(id))
          .orElseThrow(() -> new CompletionException(new IOException("no known address for " + id)));
      peers.add(RaftPeer.newBuilder().setId(id.value()).setAddress(m.raft().toString()).build());
    }
    return peers;
  }

  /**
   * Ratis 3.3 keeps calling a demoted node FOLLOWER until it restarts; the committed
   * configuration says what it is. A node outside the configuration (joining, not added yet) is
   * not a voter either.
   */
  private ConsensusStatus.Role roleFromConfiguration(ConsensusStatus.Role reported, RaftConfiguration conf) {
    if (reported != ConsensusStatus.Role.FOLLOWER && reported != ConsensusStatus.Role.CANDIDATE) {
      return reported;
    }
    boolean votes = conf.getCurrentPeers(RaftPeerRole.FOLLOWER).stream().anyMatch(p -> p.getId().equals(selfPeer));
    return votes ? reported : ConsensusStatus.Role.LISTENER;
  }

  private static ConsensusStatus stopped() {
    return new ConsensusStatus(ConsensusStatus.Role.STOPPED, Optional.empty(), 0, -1, -1);
  }

  private static ConsensusStatus.Role role(RaftPeerRole role) {
    if (role == null) {
      return ConsensusStatus.Role.STOPPED;
    }
    switch (role) {
      case LEADER:
        return ConsensusStatus.Role.LEADER;
      case FOLLOWER:
        return ConsensusStatus.Role.FOLLOWER;
      case CANDIDATE:
        return ConsensusStatus.Role.CANDIDATE;
      case LISTENER:
        return ConsensusStatus.Role.LISTENER;
      default:
        return ConsensusStatus.Role.STOPPED;
    }
  }

  private Optional<NodeId> leaderHint() {
    return status().leaderId();
  }

  private Throwable asWriteFailure(Throwable e) {
    Throwable cause = unwrap(e);
    if (cause instanceof OutcomeUnknownException || cause instanceof NoLeaderException) {
      return cause;
    }
    if (cause instanceof TimeoutException) {
      return new OutcomeUnknownException(
          "no commit confirmed within requestTimeout " + requestTimeout.toMillis() + " ms", cause);
    }
    // Ratis gave up after retries: an earlier attempt may have been appended, so the outcome is
    // unknown, never "failed".
    return new OutcomeUnknownException("write not confirmed: " + cause, cause);
  }

  private Throwable asReadFailure(Throwable e) {
    Throwable cause = unwrap(e);
    if (cause instanceof OutcomeUnknownException || cause instanceof NoLeaderException) {
      return cause;
    }
    if (cause instanceof TimeoutException) {
      return new OutcomeUnknownException(
          "read not confirmed within requestTimeout " + requestTimeout.toMillis() + " ms", cause);
    }
    return new NoLeaderException("read failed: " + cause, leaderHint(), cause);
  }

  private static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static String describe(RaftClientReply reply) {
    return reply.getException() == null ? "unsuccessful reply" : reply.getException().toString();
  }

  /** The node this registry belongs to. */
  public NodeId self() {
    return options.self();
  }

  @Override
  public void close() {
    retirer.shutdownNow();
    List<RaftClient> clients;
    synchronized (clientLock) {
      clients = new ArrayList<>(retired);
      retired.clear();
      clients.add(client);
      clients.add(routerClient);
    }
    for (RaftClient c : clients) {
      try {
        c.close();
      } catch (IOException | RuntimeException e) {
        LOG.warn("event=raft_client_close_failed node={} error={}", options.self(), e.toString());
      }
    }
    try {
      server.close();
    } catch (IOException | RuntimeException e) {
      LOG.warn("event=raft_server_close_failed node={} error={}", options.self(), e.toString());
    }
    // Requests still waiting are answered by their own timeouts ("unknown").
    roundCompletions.shutdown();
    LOG.info("event=registry_stopped node={}", options.self());
  }
}
