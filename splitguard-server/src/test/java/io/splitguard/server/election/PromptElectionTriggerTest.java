package io.splitguard.server.election;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.election.LeaderContact;
import io.splitguard.core.election.PromptElection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The trigger against a scripted consensus and scripted peers, on a simulated clock. */
class PromptElectionTriggerTest {
  private static final NodeId N1 = NodeId.of("n1");
  private static final NodeId N2 = NodeId.of("n2");
  private static final NodeId N3 = NodeId.of("n3");

  private long nanos = 1_000;
  private Optional<LeaderContact> own = Optional.empty();
  private final Map<NodeId, CompletableFuture<Optional<LeaderContact>>> answers = new HashMap<>();
  private final List<NodeId> askedPeers = new ArrayList<>();
  private final List<LeaderContact> startedFor = new ArrayList<>();
  private boolean raftAccepts = true;
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

  private final PromptElectionTrigger trigger = new PromptElectionTrigger(N2,
      new PromptElection(Duration.ofMillis(1000), Duration.ofMillis(100)),
      new PromptElectionTrigger.Consensus() {
        @Override
        public Optional<LeaderContact> leaderContact() {
          return own;
        }

        @Override
        public Set<NodeId> voters() {
          return Set.of(N1, N2, N3);
        }

        @Override
        public boolean startElectionInPlaceOf(LeaderContact contact) {
          startedFor.add(contact);
          return raftAccepts;
        }
      },
      peer -> {
        askedPeers.add(peer);
        return answers.computeIfAbsent(peer, p -> new CompletableFuture<>());
      },
      () -> nanos, metrics);

  private static Optional<LeaderContact> silentFor(long ms) {
    return Optional.of(new LeaderContact(N1, 4, ms, 4, 20));
  }

  private double count(String result) {
    return metrics.get("prompt_elections_total").tag("result", result).counter().count();
  }

  @Test
  void nothingIsAskedBeforeTheTurnComes() {
    own = silentFor(999);
    trigger.tick();
    own = Optional.empty();
    trigger.tick();
    assertThat(askedPeers).isEmpty();
  }

  @Test
  void aSilentMajorityStartsTheElectionOnceWithTheContactAsItIsAfterTheAnswers() {
    own = silentFor(1000);
    trigger.tick();
    trigger.tick(); // the question is still out: not asked again
    assertThat(askedPeers).containsExactly(N3);
    own = silentFor(1020);
    answers.get(N3).complete(silentFor(1010));
    assertThat(startedFor).containsExactly(silentFor(1020).orElseThrow());
    assertThat(count("started")).isEqualTo(1.0);
  }

  @Test
  void aPeerThatHeardTheLeaderHoldsItBackAndTheNextQuestionWaits() {
    own = silentFor(1000);
    trigger.tick();
    answers.remove(N3).complete(silentFor(10));
    assertThat(startedFor).isEmpty();
    assertThat(count("held")).isEqualTo(1.0);
    nanos += Duration.ofMillis(49).toNanos();
    trigger.tick();
    assertThat(askedPeers).hasSize(1);
    nanos += Duration.ofMillis(1).toNanos();
    trigger.tick();
    assertThat(askedPeers).hasSize(2);
  }

  @Test
  void aLeaderThatSpeaksWhileTheQuestionIsOutCancelsIt() {
    own = silentFor(1000);
    trigger.tick();
    own = silentFor(3); // the leader was only slow
    answers.get(N3).complete(silentFor(1005));
    assertThat(startedFor).isEmpty();
    own = Optional.of(new LeaderContact(N3, 5, 1500, 5, 21)); // or another leader won meanwhile
    nanos += Duration.ofSeconds(1).toNanos();
    answers.clear();
    trigger.tick();
    answers.get(N1).complete(Optional.of(new LeaderContact(N3, 5, 1500, 5, 21)));
    assertThat(askedPeers).containsExactly(N3, N1);
    assertThat(startedFor).containsExactly(new LeaderContact(N3, 5, 1500, 5, 21));
  }

  @Test
  void aFailedOrMissingAnswerIsNotAgreement() {
    own = silentFor(1000);
    trigger.tick();
    answers.get(N3).completeExceptionally(new java.io.IOException("connection refused"));
    assertThat(startedFor).isEmpty();
    assertThat(count("held")).isEqualTo(1.0);
  }

  @Test
  void aPeerWithALongerLogIsLeftToGoFirst() {
    own = silentFor(1000);
    trigger.tick();
    answers.get(N3).complete(Optional.of(new LeaderContact(N1, 4, 1001, 4, 21)));
    assertThat(startedFor).isEmpty();
    assertThat(count("deferred")).isEqualTo(1.0);
  }

  @Test
  void aRefusalByRaftIsCounted() {
    raftAccepts = false;
    own = silentFor(1000);
    trigger.tick();
    answers.get(N3).complete(silentFor(1000));
    assertThat(startedFor).hasSize(1);
    assertThat(count("refused")).isEqualTo(1.0);
  }
}
