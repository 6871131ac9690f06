package io.splitguard.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitguard.core.registry.AppliedRequests;
import io.splitguard.core.registry.BatchCodec.Element;
import io.splitguard.core.registry.BatchCodec.Outcome;
import io.splitguard.core.registry.OutcomeUnknownException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Natural batching with a scripted sender: each round is held until the test answers it, so what
 * goes into which round is deterministic.
 */
class RequestBatcherTest {
  /** Records every round and lets the test complete it. */
  private static final class ScriptedSender implements RequestBatcher.Sender {
    final List<List<byte[]>> rounds = new ArrayList<>();
    final List<CompletableFuture<List<Outcome>>> answers = new ArrayList<>();
    final List<List<Element>> elements = new ArrayList<>();

    @Override
    public synchronized CompletableFuture<List<Outcome>> send(List<Element> requests) {
      elements.add(requests);
      rounds.add(requests.stream().map(Element::bytes).toList());
      CompletableFuture<List<Outcome>> answer = new CompletableFuture<>();
      answers.add(answer);
      return answer;
    }

    /** Answers round {@code i} with each request's bytes echoed back. */
    void echo(int i) {
      List<Outcome> outcomes = new ArrayList<>();
      for (byte[] r : rounds.get(i)) {
        outcomes.add(new Outcome.Done(r));
      }
      answers.get(i).complete(outcomes);
    }
  }

  private static byte[] req(int n) {
    return new byte[] {(byte) n};
  }

  private static List<Integer> firstBytes(List<byte[]> round) {
    return round.stream().map(b -> (int) b[0]).toList();
  }

  @Test
  void aLoneRequestIsSentAtOnce() throws Exception {
    ScriptedSender sender = new ScriptedSender();
    RequestBatcher batcher = new RequestBatcher(1, 100, 1 << 20, sender, Runnable::run);
    CompletableFuture<byte[]> answer = batcher.submit(req(7));
    assertThat(sender.rounds).hasSize(1);
    sender.echo(0);
    assertThat(answer.get(1, TimeUnit.SECONDS)).containsExactly(7);
  }

  @Test
  void requestsArrivingDuringARoundLeaveTogetherWhenItEnds() throws Exception {
    ScriptedSender sender = new ScriptedSender();
    RequestBatcher batcher = new RequestBatcher(1, 100, 1 << 20, sender, Runnable::run);
    List<CompletableFuture<byte[]>> answers = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      answers.add(batcher.submit(req(i)));
    }
    assertThat(sender.rounds).hasSize(1);
    assertThat(firstBytes(sender.rounds.get(0))).containsExactly(0);
    assertThat(batcher.queued()).isEqualTo(4);
    sender.echo(0);
    assertThat(sender.rounds).hasSize(2);
    assertThat(firstBytes(sender.rounds.get(1))).containsExactly(1, 2, 3, 4);
    sender.echo(1);
    for (int i = 0; i < 5; i++) {
      assertThat(answers.get(i).get(1, TimeUnit.SECONDS)).containsExactly(i);
    }
  }

  @Test
  void roundsRespectTheInFlightCountAndSizeLimits() {
    ScriptedSender sender = new ScriptedSender();
    RequestBatcher batcher = new RequestBatcher(2, 3, 1 << 20, sender, Runnable::run);
    for (int i = 0; i < 9; i++) {
      batcher.submit(req(i));
    }
    assertThat(sender.rounds).hasSize(2); // two in flight, alone: nothing was queued yet
    sender.echo(0);
    sender.echo(1);
    assertThat(firstBytes(sender.rounds.get(2))).containsExactly(2, 3, 4);
    assertThat(firstBytes(sender.rounds.get(3))).containsExactly(5, 6, 7);
    sender.echo(2);
    assertThat(firstBytes(sender.rounds.get(4))).containsExactly(8);
  }

  @Test
  void aRoundNeverExceedsTheByteCeilingButALargeRequestStillGoesAlone() {
    ScriptedSender sender = new ScriptedSender();
    RequestBatcher batcher = new RequestBatcher(1, 100, 10, sender, Runnable::run);
    batcher.submit(req(0));
    batcher.submit(new byte[] {1, 0, 0, 0, 0, 0});
    batcher.submit(new byte[] {2, 0, 0, 0, 0, 0});
    batcher.submit(new byte[] {3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    sender.echo(0);
    assertThat(firstBytes(sender.rounds.get(1))).containsExactly(1);
    sender.echo(1);
    assertThat(firstBytes(sender.rounds.get(2))).containsExactly(2);
    sender.echo(2);
    assertThat(firstBytes(sender.rounds.get(3))).containsExactly(3);
  }

  @Test
  void aFailedRoundFailsEveryRequestInItWithItsCause() {
    ScriptedSender sender = new ScriptedSender();
    RequestBatcher batcher = new RequestBatcher(1, 100, 1 << 20, sender, Runnable::run);
    batcher.submit(req(0));
    CompletableFuture<byte[]> a = batcher.submit(req(1));
    CompletableFuture<byte[]> b = batcher.submit(req(2));
    sender.echo(0);
    IllegalStateException cause = new IllegalStateException("no quorum");
    sender.answers.get(1).completeExceptionally(cause);
    for (CompletableFuture<byte[]> f : List.of(a, b)) {
      assertThatThrownBy(f::get).isInstanceOf(ExecutionException.class).hasCause(cause);
    }
  }

  @Test
  void aRefusedElementFailsAloneAndNamesWhy() throws Exception {
    ScriptedSender sender = new ScriptedSender();
    RequestBatcher batcher = new RequestBatcher(1, 100, 1 << 20, sender, Runnable::run);
    batcher.submit(req(0));
    CompletableFuture<byte[]> good = batcher.submit(req(1));
    CompletableFuture<byte[]> refused = batcher.submit(req(2));
    sender.echo(0);
    sender.answers.get(1).complete(List.of(new Outcome.Done(new byte[] {9}),
        new Outcome.Failed("undecodable command: bad tag")));
    assertThat(good.get(1, TimeUnit.SECONDS)).containsExactly(9);
    assertThatThrownBy(refused::get).hasCauseInstanceOf(IllegalStateException.class)
        .hasMessageContaining("undecodable command");
  }

  @Test
  void aRequestThatTimedOutWhileQueuedIsNeverSent() {
    ScriptedSender sender = new ScriptedSender();
    RequestBatcher batcher = new RequestBatcher(1, 100, 1 << 20, sender, Runnable::run);
    batcher.submit(req(0));
    CompletableFuture<byte[]> gaveUp = batcher.submit(req(1));
    batcher.submit(req(2));
    gaveUp.completeExceptionally(new TimeoutException("caller's deadline"));
    sender.echo(0);
    assertThat(firstBytes(sender.rounds.get(1))).containsExactly(2);
  }

  @Test
  void aSenderThatThrowsFailsTheRoundAndTheNextRoundStillLeaves() throws Exception {
    List<List<Element>> rounds = new ArrayList<>();
    RequestBatcher batcher = new RequestBatcher(1, 100, 1 << 20, requests -> {
      rounds.add(requests);
      if (rounds.size() == 1) {
        throw new IllegalStateException("no leader");
      }
      return CompletableFuture.completedFuture(
          requests.stream().map(r -> (Outcome) new Outcome.Done(r.bytes())).toList());
    }, Runnable::run);
    CompletableFuture<byte[]> first = batcher.submit(req(0));
    assertThatThrownBy(first::get).hasCauseInstanceOf(IllegalStateException.class);
    assertThat(batcher.submit(req(1)).get(1, TimeUnit.SECONDS)).containsExactly(1);
  }

  @Test
  void aRequestKeepsItsIdIntoTheRoundAndAnUnknownOutcomeIsReportedAsUnknown() {
    ScriptedSender sender = new ScriptedSender();
    RequestBatcher batcher = new RequestBatcher(1, 100, 1 << 20, sender, Runnable::run);
    AppliedRequests.RequestId id = new AppliedRequests.RequestId(new byte[] {9, 9}, 42);
    CompletableFuture<byte[]> forwarded = batcher.submit(req(0), id);
    assertThat(sender.elements.get(0).get(0).id()).isEqualTo(id);
    sender.answers.get(0).complete(List.of(new Outcome.Unknown("already applied")));
    assertThatThrownBy(forwarded::get).hasCauseInstanceOf(OutcomeUnknownException.class)
        .hasMessageContaining("already applied");
  }

  @Test
  void eachRoundTakesTheLaneNamedWhenItLeaves() throws Exception {
    ScriptedSender forwards = new ScriptedSender();
    ScriptedSender appends = new ScriptedSender();
    RequestBatcher.Lane forwarding = new RequestBatcher.Lane("forward", 2, forwards);
    RequestBatcher.Lane appending = new RequestBatcher.Lane("append", 1, appends);
    AtomicReference<RequestBatcher.Lane> lane = new AtomicReference<>(forwarding);
    RequestBatcher batcher = new RequestBatcher(lane::get, 100, 1 << 20, Runnable::run);
    batcher.submit(req(0));
    batcher.submit(req(1));
    batcher.submit(req(2));
    // Two forwards may be out (a follower's): the third request waits.
    assertThat(forwards.rounds).hasSize(2);
    assertThat(batcher.inFlight(forwarding)).isEqualTo(2);
    // This node now leads. Its forwards are still out, but they do not hold back its own rounds.
    lane.set(appending);
    batcher.submit(req(3));
    assertThat(appends.rounds).hasSize(1);
    assertThat(firstBytes(appends.rounds.get(0))).containsExactly(2, 3);
    batcher.submit(req(4));
    // One append round out: the leader's limit.
    assertThat(appends.rounds).hasSize(1);
    forwards.echo(0);
    // A forward answered frees a forward slot, not an append slot.
    assertThat(appends.rounds).hasSize(1);
    appends.echo(0);
    assertThat(firstBytes(appends.rounds.get(1))).containsExactly(4);
    assertThat(batcher.inFlight(forwarding)).isEqualTo(1);
    assertThat(batcher.inFlight(appending)).isEqualTo(1);
  }

  @Test
  void aLaneAllowsAtLeastOneRound() {
    assertThatThrownBy(() -> new RequestBatcher.Lane("none", 0, new ScriptedSender()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rounds in flight must be positive");
  }

  @Test
  void aMismatchedReplyFailsTheWholeRound() {
    ScriptedSender sender = new ScriptedSender();
    RequestBatcher batcher = new RequestBatcher(1, 100, 1 << 20, sender, Runnable::run);
    CompletableFuture<byte[]> a = batcher.submit(req(0));
    sender.answers.get(0).complete(List.of());
    assertThatThrownBy(a::get).hasMessageContaining("0 outcomes for 1 requests");
  }

  @Test
  void theNextRoundIsNeverSentFromTheThreadThatCompletedThePreviousOne() throws Exception {
    ScriptedSender sender = new ScriptedSender();
    java.util.concurrent.LinkedBlockingQueue<Runnable> handoffs = new java.util.concurrent.LinkedBlockingQueue<>();
    RequestBatcher batcher = new RequestBatcher(1, 100, 1 << 20, sender, handoffs::add);
    CompletableFuture<byte[]> first = batcher.submit(req(0));
    CompletableFuture<byte[]> second = batcher.submit(req(1));
    // Completing a round (as Ratis does, possibly under its own locks) runs nothing inline.
    sender.echo(0);
    assertThat(first).isNotDone();
    assertThat(sender.rounds).hasSize(1);
    handoffs.take().run();
    assertThat(first.get(1, TimeUnit.SECONDS)).containsExactly(0);
    assertThat(sender.rounds).hasSize(2);
    sender.echo(1);
    assertThat(second).isNotDone();
    handoffs.take().run();
    assertThat(second.get(1, TimeUnit.SECONDS)).containsExactly(1);
  }
}
