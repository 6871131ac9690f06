package io.splitguard.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The router's choice of where and when to send each attempt, against a scripted transport whose
 * members answer only when the test says so.
 */
class LeaderRouterTest {
  private static final RaftGroupId GROUP = RaftGroupId.randomId();
  private static final RaftPeerId SELF = RaftPeerId.valueOf("n1");
  private static final RaftPeerId N2 = RaftPeerId.valueOf("n2");
  private static final RaftPeerId N3 = RaftPeerId.valueOf("n3");
  private static final Duration ATTEMPT_TIMEOUT = Duration.ofMillis(100);

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final ScriptedTransport transport = new ScriptedTransport();
  private final LeaderRouter router =
      new LeaderRouter(transport, GROUP, SELF, scheduler, Duration.ofSeconds(30), ATTEMPT_TIMEOUT);

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  /** One request as a member received it, with the future the test completes to answer it. */
  private record Sent(RaftPeerId target, RaftClientRequest request,
      CompletableFuture<RaftClientReply> answer) {}

  private static final class ScriptedTransport implements LeaderRouter.Transport {
    final AtomicReference<RaftPeerId> leader = new AtomicReference<>();
    final List<Sent> sent = new CopyOnWriteArrayList<>();

    @Override
    public RaftPeerId knownLeader() {
      return leader.get();
    }

    @Override
    public CompletableFuture<RaftClientReply> submitLocal(RaftClientRequest request) {
      return record(SELF, request);
    }

    @Override
    public CompletableFuture<RaftClientReply> sendRemote(RaftPeerId target, RaftClientRequest request) {
      return record(target, request);
    }

    @Override
    public void remoteFailed(RaftPeerId target, Throwable cause) {}

    private CompletableFuture<RaftClientReply> record(RaftPeerId target, RaftClientRequest request) {
      CompletableFuture<RaftClientReply> answer = new CompletableFuture<>();
      sent.add(new Sent(target, request, answer));
      return answer;
    }

    long sentTo(RaftPeerId target) {
      return sent.stream().filter(s -> s.target().equals(target)).count();
    }

    Sent first(RaftPeerId target) {
      return sent.stream().filter(s -> s.target().equals(target)).findFirst().orElseThrow();
    }
  }

  private static RaftClientReply success(Sent s, String content) {
    return RaftClientReply.newBuilder()
        .setClientId(s.request().getClientId())
        .setServerId(s.target())
        .setGroupId(GROUP)
        .setCallId(s.request().getCallId())
        .setSuccess()
        .setMessage(Message.valueOf(content))
        .build();
  }

  @Test
  void aSlowLeaderIsWaitedForNotSentTheSameCallAgain() {
    transport.leader.set(N2);
    CompletableFuture<RaftClientReply> result = router.write(Message.valueOf("w"));

    // Several attempt timeouts pass with the leader unchanged: a second send of the same call id
    // to n2 would be refused by Ratis' client while the first is pending there. Checked at every
    // poll until they have passed, so a second send fails at once and says what it saw (the
    // framework's "during" once timed out here on a loaded machine without saying why).
    long start = System.nanoTime();
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).until(() -> {
      assertThat(transport.sentTo(N2)).as("attempts sent to the leader").isEqualTo(1);
      assertThat(result).as("the call").isNotDone();
      return System.nanoTime() - start >= ATTEMPT_TIMEOUT.multipliedBy(4).toNanos();
    });

    Sent first = transport.first(N2);
    first.answer().complete(success(first, "applied"));
    await().atMost(Duration.ofSeconds(5)).until(result::isDone);
    assertThat(result.join().getMessage().getContent().toStringUtf8()).isEqualTo("applied");
    assertThat(transport.sent).hasSize(1);
  }

  @Test
  void aLeaderThatFailedIsSentTheCallAgain() {
    transport.leader.set(N2);
    CompletableFuture<RaftClientReply> result = router.write(Message.valueOf("w"));
    await().atMost(Duration.ofSeconds(5)).until(() -> transport.sentTo(N2) == 1);

    transport.first(N2).answer().completeExceptionally(new java.io.IOException("connection reset"));

    await().atMost(Duration.ofSeconds(5)).until(() -> transport.sentTo(N2) == 2);
    Sent again = transport.sent.get(1);
    assertThat(again.request().getCallId()).isEqualTo(transport.first(N2).request().getCallId());
    again.answer().complete(success(again, "applied"));
    await().atMost(Duration.ofSeconds(5)).until(result::isDone);
    assertThat(result.join().isSuccess()).isTrue();
  }

  @Test
  void aSuccessFromTheLeaderItMovedAwayFromCompletesTheCall() {
    transport.leader.set(N2);
    CompletableFuture<RaftClientReply> result = router.write(Message.valueOf("w"));
    await().atMost(Duration.ofSeconds(5)).until(() -> transport.sentTo(N2) == 1);

    transport.leader.set(N3);
    await().atMost(Duration.ofSeconds(5)).until(() -> transport.sentTo(N3) == 1);
    assertThat(transport.first(N3).request().getCallId())
        .isEqualTo(transport.first(N2).request().getCallId());

    // n2 had committed the write before it lost leadership; its answer arrives late. The copy at
    // n3 would only be refused as already applied.
    Sent atN2 = transport.first(N2);
    atN2.answer().complete(success(atN2, "applied by n2"));
    await().atMost(Duration.ofSeconds(5)).until(result::isDone);
    assertThat(result.join().getMessage().getContent().toStringUtf8()).isEqualTo("applied by n2");
  }

  @Test
  void aLeaderThatReturnsWhileItsAttemptIsPendingIsNotSentItAgain() {
    transport.leader.set(N2);
    router.write(Message.valueOf("w"));
    await().atMost(Duration.ofSeconds(5)).until(() -> transport.sentTo(N2) == 1);
    transport.leader.set(N3);
    await().atMost(Duration.ofSeconds(5)).until(() -> transport.sentTo(N3) == 1);

    transport.leader.set(N2);
    await().during(ATTEMPT_TIMEOUT.multipliedBy(4)).atMost(Duration.ofSeconds(5))
        .until(() -> transport.sentTo(N2) == 1);
  }

  @Test
  void separateCallsShareTheClientIdButNotTheCallId() {
    transport.leader.set(SELF);
    router.write(Message.valueOf("a"));
    router.write(Message.valueOf("b"));
    await().atMost(Duration.ofSeconds(5)).until(() -> transport.sent.size() >= 2);

    ClientId client = transport.sent.get(0).request().getClientId();
    assertThat(transport.sent.get(1).request().getClientId()).isEqualTo(client);
    assertThat(transport.sent.get(1).request().getCallId())
        .isNotEqualTo(transport.sent.get(0).request().getCallId());
  }
}
