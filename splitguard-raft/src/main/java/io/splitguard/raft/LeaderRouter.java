package io.splitguard.raft;

import io.splitguard.core.registry.BatchCodec;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers this node's write and read requests to the Raft leader, with no ordered client in
 * between.
 *
 * <p>Why not Ratis' ordered async client: every HTTP request is an independent operation, but the
 * ordered client serializes all of them through one sliding window (a lock on every send, and a
 * reply held back until every earlier one is answered), and it keeps sending to the leader it
 * last knew, so a paused leader stalls every request behind it. This router instead:
 *
 * <ul>
 *   <li>hands the request straight to this node's own Raft server when it leads (no gRPC hop, no
 *       serialization, no extra thread hand-offs), and otherwise sends it unordered to the leader
 *       this node's server follows;
 *   <li>retries with the <em>same</em> client id and call id after "not leader", "leader not
 *       ready", an RPC failure or an attempt timeout, towards whichever leader is known then. A
 *       retry can never apply a write twice: the leader's retry cache answers a copy it has seen,
 *       and the state machine refuses to apply a request id a second time (a copy appended by
 *       an earlier leader; see {@code AppliedRequests});
 *   <li>never sends a request again to a member while an earlier attempt there is still pending:
 *       Ratis' client keeps one entry per call id and connection, and refuses a second send
 *       ("entry already exists") until the first is answered or its RPC times out. The router
 *       waits on the pending attempt instead;
 *   <li>still takes the answer of an attempt it moved away from (the leader changed meanwhile) if
 *       that answer is a success: a leader answers success only for a committed entry (the copy
 *       sent to the new leader is not applied again, and is answered with the first copy's
 *       result only if that node remembers it, see {@code RecentResults});
 *   <li>gives up at the request deadline with a {@link TimeoutException}: the caller reports the
 *       outcome as unknown, since an earlier attempt may have been appended.
 * </ul>
 */
final class LeaderRouter {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderRouter.class);
  private static final long FIRST_BACKOFF_MS = 5;
  private static final long MAX_BACKOFF_MS = 100;
  private static final long LEADER_CHECK_MS = 50;

  private final Transport transport;
  private final RaftGroupId groupId;
  private final RaftPeerId self;
  private final ScheduledExecutorService scheduler;
  private final long requestTimeoutMs;
  private final long attemptTimeoutMs;
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();

  /**
   * What the router needs of this node's Raft server and of the network to the other members.
   */
  interface Transport {
    /** The leader this node's server follows (itself when it leads), or null if none is known. */
    RaftPeerId knownLeader();

    /** Hands a request to this node's own Raft server. */
    CompletableFuture<RaftClientReply> submitLocal(RaftClientRequest request) throws IOException;

    /** Sends a request to another member; the future fails if the RPC fails or times out. */
    CompletableFuture<RaftClientReply> sendRemote(RaftPeerId target, RaftClientRequest request)
        throws IOException;

    /** Told when an RPC to {@code target} failed, so that a broken connection is re-made. */
    void remoteFailed(RaftPeerId target, Throwable cause);

    /** This node's server and a Raft client's RPC for the other members. */
    static Transport of(RaftServer server, RaftGroupId groupId, RaftPeerId self, RaftClientRpc rpc) {
      return new RatisTransport(server, groupId, self, rpc);
    }
  }

  /**
   * @param attemptTimeout how long one attempt may wait for the same leader before it is sent
   *     again (sooner if this node learns of another leader); an attempt still pending at another
   *     member is waited for rather than sent again
   */
  LeaderRouter(Transport transport, RaftGroupId groupId, RaftPeerId self,
      ScheduledExecutorService scheduler, Duration requestTimeout, Duration attemptTimeout) {
    this.transport = transport;
    this.groupId = groupId;
    this.self = self;
    this.scheduler = scheduler;
    this.requestTimeoutMs = requestTimeout.toMillis();
    this.attemptTimeoutMs = attemptTimeout.toMillis();
  }

  /** Sends a write; completes with the leader's reply, or a {@link TimeoutException}. */
  CompletableFuture<RaftClientReply> write(Message message) {
    return send(message, RaftClientRequest.writeRequestType());
  }

  /**
   * Sends a batch of writes for the leader to merge into its own round ({@link
   * io.splitguard.core.registry.BatchCodec#encodeForward}); completes as {@link #write}. A node
   * that does not lead refuses it, and it is sent again to the leader known then, like a
   * "not leader" answer. Carried as a stale read: Ratis hands it to the state machine without
   * logging it or confirming leadership; the writes inside are logged by the leader.
   */
  CompletableFuture<RaftClientReply> forward(Message batch) {
    // Minimum index -1: Ratis must not refuse it before the first entry is committed.
    return send(batch, RaftClientRequest.staleReadRequestType(-1));
  }

  /** Sends a linearizable (read-index) read; completes as {@link #write}. */
  CompletableFuture<RaftClientReply> readLinearizable(Message message) {
    return send(message, RaftClientRequest.readRequestType());
  }

  private CompletableFuture<RaftClientReply> send(Message message, RaftClientRequest.Type type) {
    Call call = new Call(message, type, callIds.incrementAndGet(),
        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(requestTimeoutMs));
    attempt(call, transport.knownLeader(), FIRST_BACKOFF_MS);
    return call.result;
  }

  /**
   * One request's state across attempts: every attempt carries the same call id. {@code remote}
   * holds the latest attempt sent to each other member.
   */
  private record Call(Message message, RaftClientRequest.Type type, long callId, long deadlineNanos,
      CompletableFuture<RaftClientReply> result,
      Map<RaftPeerId, CompletableFuture<RaftClientReply>> remote) {
    Call(Message message, RaftClientRequest.Type type, long callId, long deadlineNanos) {
      this(message, type, callId, deadlineNanos, new CompletableFuture<>(), new ConcurrentHashMap<>());
    }

    long remainingMs() {
      return TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    }
  }

  private void attempt(Call call, RaftPeerId target, long backoffMs) {
    if (call.result.isDone()) {
      return;
    }
    long remaining = call.remainingMs();
    if (remaining <= 0) {
      call.result.completeExceptionally(new TimeoutException(
          "no leader answered within " + requestTimeoutMs + " ms"));
      return;
    }
    if (target == null) {
      retryLater(call, null, backoffMs);
      return;
    }
    boolean local = target.equals(self);
    CompletableFuture<RaftClientReply> pendingThere = local ? null : call.remote.get(target);
    if (pendingThere != null && !pendingThere.isDone()) {
      await(call, target, pendingThere, backoffMs, System.nanoTime());
      return;
    }
    RaftClientRequest request = RaftClientRequest.newBuilder()
        .setClientId(clientId)
        .setServerId(target)
        .setGroupId(groupId)
        .setCallId(call.callId)
        .setMessage(call.message)
        .setType(call.type)
        .setTimeoutMs(remaining)
        .build();
    CompletableFuture<RaftClientReply> sent;
    try {
      sent = local ? transport.submitLocal(request) : transport.sendRemote(target, request);
    } catch (IOException | RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    if (!local) {
      call.remote.put(target, sent);
    }
    await(call, target, sent, backoffMs, System.nanoTime());
  }

  /**
   * Waits for one attempt's answer, looking every {@link #LEADER_CHECK_MS} whether this node's
   * server has learned of another leader meanwhile (a paused or cut-off leader neither answers
   * nor refuses): then the request is sent again, to that leader, at once.
   */
  private void await(Call call, RaftPeerId target, CompletableFuture<RaftClientReply> sent,
      long backoffMs, long sentAtNanos) {
    long wait = Math.max(1, Math.min(call.remainingMs(), LEADER_CHECK_MS));
    // A copy is timed out, never the server's own future: that one may be shared with Ratis'
    // retry cache.
    sent.copy().orTimeout(wait, TimeUnit.MILLISECONDS).whenComplete((reply, error) -> {
      if (error != null && unwrap(error) instanceof TimeoutException && !sent.isDone()) {
        RaftPeerId leaderNow = transport.knownLeader();
        boolean moved = leaderNow != null && !leaderNow.equals(target);
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAtNanos);
        if (!moved && waitedMs < attemptTimeoutMs && call.remainingMs() > 0) {
          await(call, target, sent, backoffMs, sentAtNanos);
        } else {
          if (moved) {
            sent.thenAccept(late -> {
              if (isPlainSuccess(call, late)) {
                call.result.complete(late);
              }
            });
          }
          // Not on the JDK's shared timeout thread, which every orTimeout in the process needs.
          RaftPeerId next = moved ? leaderNow : target;
          try {
            scheduler.execute(() -> attempt(call, next, backoffMs));
          } catch (RejectedExecutionException e) {
            call.result.completeExceptionally(new IOException("closing", e));
          }
        }
        return;
      }
      sent.whenComplete((r, e) -> onAnswer(call, target, backoffMs, r, e));
    });
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }

  /** A reply that completes the call as it is: not a refusal to be retried elsewhere. */
  private static boolean isPlainSuccess(Call call, RaftClientReply reply) {
    return reply.isSuccess() && reply.getNotLeaderException() == null && reply.getException() == null
        && !(call.type.is(RaftClientRequestProto.TypeCase.STALEREAD)
            && BatchCodec.isForwardRefused(reply.getMessage().getContent().toByteArray()));
  }

  private void onAnswer(Call call, RaftPeerId target, long backoffMs, RaftClientReply reply, Throwable error) {
    if (error == null) {
      NotLeaderException notLeader = reply.getNotLeaderException();
      if (notLeader != null) {
        RaftPeer suggested = notLeader.getSuggestedLeader();
        RaftPeerId next = suggested != null && !suggested.getId().equals(target)
            ? suggested.getId() : transport.knownLeader();
        retryLater(call, next, backoffMs);
        return;
      }
      if (reply.getException() instanceof LeaderNotReadyException) {
        retryLater(call, target, backoffMs);
        return;
      }
      if (call.type.is(RaftClientRequestProto.TypeCase.STALEREAD) && reply.isSuccess()
          && BatchCodec.isForwardRefused(reply.getMessage().getContent().toByteArray())) {
        RaftPeerId next = transport.knownLeader();
        retryLater(call, next != null && !next.equals(target) ? next : null, backoffMs);
        return;
      }
      call.result.complete(reply);
      return;
    }
    // No answer, an RPC failure or a closed connection: the request may or may not have been
    // appended. Sending the same call id again is safe (see the class comment).
    Throwable cause = unwrap(error);
    if (!target.equals(self)) {
      transport.remoteFailed(target, cause);
    }
    LOG.debug("event=raft_request_retry callId={} target={} error={}", call.callId, target, cause.toString());
    retryLater(call, transport.knownLeader(), backoffMs);
  }

  private void retryLater(Call call, RaftPeerId target, long backoffMs) {
    long delay = Math.min(backoffMs, Math.max(0, call.remainingMs()));
    try {
      scheduler.schedule(() -> attempt(call, target != null ? target : transport.knownLeader(),
          Math.min(MAX_BACKOFF_MS, backoffMs * 2)), delay, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      call.result.completeExceptionally(new IOException("closing", e));
    }
  }

  /** {@link Transport} over this node's Raft server and a Raft client's RPC. */
  private static final class RatisTransport implements Transport {
    private final RaftServer server;
    private final RaftGroupId groupId;
    private final RaftPeerId self;
    private final RaftClientRpc rpc;
    private final Set<RaftPeerId> peersKnownToRpc = ConcurrentHashMap.newKeySet();

    RatisTransport(RaftServer server, RaftGroupId groupId, RaftPeerId self, RaftClientRpc rpc) {
      this.server = server;
      this.groupId = groupId;
      this.self = self;
      this.rpc = rpc;
    }

    @Override
    public RaftPeerId knownLeader() {
      try {
        DivisionInfo info = server.getDivision(groupId).getInfo();
        return info.isLeader() ? self : info.getLeaderId();
      } catch (IOException | RuntimeException e) {
        return null;
      }
    }

    @Override
    public CompletableFuture<RaftClientReply> submitLocal(RaftClientRequest request) throws IOException {
      return server.submitClientRequestAsync(request);
    }

    @Override
    public CompletableFuture<RaftClientReply> sendRemote(RaftPeerId target, RaftClientRequest request)
        throws IOException {
      if (!peersKnownToRpc.contains(target)) {
        RaftPeer peer = server.getDivision(groupId).getRaftConf().getPeer(target);
        if (peer == null) {
          throw new IOException("leader " + target + " is not in this node's configuration");
        }
        rpc.addRaftPeers(List.of(peer));
        peersKnownToRpc.add(target);
      }
      return rpc.sendRequestAsyncUnordered(request);
    }

    @Override
    public void remoteFailed(RaftPeerId target, Throwable cause) {
      // As Ratis' own client does: a failed or closed connection is re-established on next use.
      rpc.handleException(target, cause, rpc.shouldReconnect(cause));
    }
  }
}
