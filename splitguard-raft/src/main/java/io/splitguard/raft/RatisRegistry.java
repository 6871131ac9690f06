package io.splitguard.raft;

import io.splitguard.core.cluster.ClusterMember;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.kv.KvCodec;
import io.splitguard.core.kv.KvCommand;
import io.splitguard.core.kv.KvEntry;
import io.splitguard.core.kv.KvResult;
import io.splitguard.core.registry.ConsensusStatus;
import io.splitguard.core.registry.NoLeaderException;
import io.splitguard.core.registry.OutcomeUnknownException;
import io.splitguard.core.registry.Registry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Registry} replicated by an embedded Apache Ratis server (gRPC transport).
 *
 * <p>Each node runs one Raft server and one Raft client. Writes go through the client, which
 * finds the leader itself (this is how "any node accepts any request" is implemented: the
 * forwarding is done by Ratis over its gRPC channel). Linearizable reads are sent to this node's
 * own server, which confirms its read index with the leader before answering (follower reads).
 * Local reads bypass Raft.
 *
 * <p>Every write is bounded by {@code requestTimeout}: past it the caller gets {@link
 * OutcomeUnknownException}, because the entry may already be in the log and may still commit.
 */
public final class RatisRegistry implements Registry {
  private static final Logger LOG = LoggerFactory.getLogger(RatisRegistry.class);

  private final RegistryOptions options;
  private final RaftGroup group;
  private final RaftPeerId selfPeer;
  private final RaftServer server;
  private final RaftClient client;
  private final RegistryStateMachine stateMachine;
  private final Duration requestTimeout;

  private RatisRegistry(
      RegistryOptions options, RaftGroup group, RaftServer server, RaftClient client,
      RegistryStateMachine stateMachine) {
    this.options = options;
    this.group = group;
    this.selfPeer = RaftPeerId.valueOf(options.self().value());
    this.server = server;
    this.client = client;
    this.stateMachine = stateMachine;
    this.requestTimeout = options.settings().requestTimeout();
  }

  /**
   * Starts this node's Raft server (recovering from its snapshot and log if it has them) and its
   * client. Returns once the server is listening; a leader may not be elected yet.
   *
   * @throws IOException if storage cannot be opened or the port cannot be bound
   */
  public static RatisRegistry start(RegistryOptions options) throws IOException {
    Path storage = options.dataDir().resolve("raft");
    Files.createDirectories(storage);
    RaftGroup group = RaftGroup.valueOf(groupId(options.clusterName()), peers(options.cluster().members()));
    ClusterMember self = options.cluster().require(options.self());
    RegistryStateMachine stateMachine = new RegistryStateMachine();
    RaftServer server = RaftServer.newBuilder()
        .setServerId(RaftPeerId.valueOf(options.self().value()))
        .setGroup(group)
        .setProperties(RatisProperties.server(options.settings(), self.raft(), storage))
        .setStateMachine(stateMachine)
        .setOption(RaftStorage.StartupOption.RECOVER)
        .build();
    server.start();
    long sleepMillis = 100;
    int retries = (int) Math.max(1, options.settings().requestTimeout().toMillis() / sleepMillis);
    RaftClient client = RaftClient.newBuilder()
        .setProperties(RatisProperties.client(options.settings()))
        .setRaftGroup(group)
        .setClientId(ClientId.randomId())
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
            retries, RatisProperties.td(Duration.ofMillis(sleepMillis))))
        .build();
    LOG.info("event=registry_started node={} raft={} group={} storage={}",
        options.self(), self.raft(), group.getGroupId().getUuid(), storage);
    return new RatisRegistry(options, group, server, client, stateMachine);
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
    Message message = Message.valueOf(UnsafeByteOperations.unsafeWrap(KvCodec.encodeCommand(command)));
    CompletableFuture<RaftClientReply> sent;
    try {
      sent = client.async().send(message);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(
          new NoLeaderException("could not submit: " + e.getMessage(), leaderHint(), e));
    }
    // A dependent future is timed out, never Ratis' own: its retries keep going, and a late
    // commit is still applied everywhere; only our answer to the client gives up.
    return sent
        .thenApply(reply -> {
          if (!reply.isSuccess()) {
            throw new CompletionException(new OutcomeUnknownException(
                "write not confirmed: " + describe(reply), reply.getException()));
          }
          return KvCodec.decodeResult(reply.getMessage().getContent().toByteArray());
        })
        .orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(asWriteFailure(e)));
  }

  @Override
  public CompletableFuture<Optional<KvEntry>> readLinearizable(String key) {
    Message message = Message.valueOf(UnsafeByteOperations.unsafeWrap(KvCodec.encodeQuery(key)));
    CompletableFuture<RaftClientReply> sent;
    try {
      sent = client.async().sendReadOnlyUnordered(message, selfPeer);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(
          new NoLeaderException("could not read: " + e.getMessage(), leaderHint(), e));
    }
    return sent
        .thenApply(reply -> {
          if (!reply.isSuccess()) {
            throw new CompletionException(new NoLeaderException(
                "read index not confirmed: " + describe(reply), leaderHint(), reply.getException()));
          }
          return KvCodec.decodeQueryAnswer(reply.getMessage().getContent().toByteArray());
        })
        .orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(asReadFailure(e)));
  }

  @Override
  public LocalRead readLocal(String key) {
    RegistryStateMachine.ReadAtIndex read = stateMachine.readLocal(key);
    return new LocalRead(read.entry(), read.index());
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
          role(info.getCurrentRole()),
          Optional.ofNullable(leader).map(id -> NodeId.of(id.toString())),
          info.getCurrentTerm(),
          info.getLastAppliedIndex(),
          division.getRaftLog().getLastCommittedIndex());
    } catch (IOException | RuntimeException e) {
      return stopped();
    }
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
    try {
      client.close();
    } catch (IOException | RuntimeException e) {
      LOG.warn("event=raft_client_close_failed node={} error={}", options.self(), e.toString());
    }
    try {
      server.close();
    } catch (IOException | RuntimeException e) {
      LOG.warn("event=raft_server_close_failed node={} error={}", options.self(), e.toString());
    }
    LOG.info("event=registry_stopped node={}", options.self());
  }
}
