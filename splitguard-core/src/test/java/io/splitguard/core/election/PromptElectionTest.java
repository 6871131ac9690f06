package io.splitguard.core.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.election.PromptElection.Decision;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class PromptElectionTest {
  private static final NodeId N1 = NodeId.of("n1");
  private static final NodeId N2 = NodeId.of("n2");
  private static final NodeId N3 = NodeId.of("n3");
  private static final Set<NodeId> THREE = Set.of(N1, N2, N3);
  private final PromptElection policy = new PromptElection(Duration.ofMillis(1000), Duration.ofMillis(100));

  private static LeaderContact contact(NodeId leader, long term, long silenceMs, long lastIndex) {
    return new LeaderContact(leader, term, silenceMs, term, lastIndex);
  }

  @Test
  void followersOtherThanTheLeaderTakeTurnsById() {
    assertThat(PromptElection.turn(N2, N1, THREE)).isZero();
    assertThat(PromptElection.turn(N3, N1, THREE)).isEqualTo(1);
    assertThat(PromptElection.turn(N1, N2, THREE)).isZero();
    assertThat(PromptElection.turn(N1, N1, THREE)).isEqualTo(-1);
    assertThat(PromptElection.turn(NodeId.of("listener"), N1, THREE)).isEqualTo(-1);
    assertThat(policy.dueAfterMs(0)).isEqualTo(1000);
    assertThat(policy.dueAfterMs(1)).isEqualTo(1100);
  }

  @Test
  void aFollowerAsksOnlyOnceItsTurnHasCome() {
    assertThat(policy.isDue(N2, contact(N1, 3, 999, 10), THREE)).isFalse();
    assertThat(policy.isDue(N2, contact(N1, 3, 1000, 10), THREE)).isTrue();
    assertThat(policy.isDue(N3, contact(N1, 3, 1099, 10), THREE)).isFalse();
    assertThat(policy.isDue(N3, contact(N1, 3, 1100, 10), THREE)).isTrue();
    assertThat(policy.isDue(NodeId.of("n4"), contact(N1, 3, 5000, 10), THREE)).isFalse();
    assertThat(PromptElection.peersToAsk(N2, N1, THREE)).containsExactly(N3);
  }

  @Test
  void aSilentMajorityStartsTheElection() {
    Decision d = policy.decide(N2, contact(N1, 3, 1010, 10), Map.of(N3, Optional.of(contact(N1, 3, 1004, 10))), THREE);
    assertThat(d).isEqualTo(Decision.START);
  }

  @Test
  void aPeerThatHeardTheLeaderRecentlyHoldsTheElectionBack() {
    assertThat(policy.decide(N2, contact(N1, 3, 1010, 10), Map.of(N3, Optional.of(contact(N1, 3, 20, 12))), THREE))
        .isEqualTo(Decision.WAIT);
    assertThat(policy.decide(N2, contact(N1, 3, 1010, 10), Map.of(N3, Optional.of(contact(N1, 3, 999, 12))), THREE))
        .isEqualTo(Decision.WAIT);
  }

  @Test
  void anUnansweredQuestionOrAnotherLeaderOrTermIsNotAgreement() {
    LeaderContact own = contact(N1, 3, 1500, 10);
    assertThat(policy.decide(N2, own, Map.of(N3, Optional.empty()), THREE)).isEqualTo(Decision.WAIT);
    assertThat(policy.decide(N2, own, Map.of(), THREE)).isEqualTo(Decision.WAIT);
    assertThat(policy.decide(N2, own, Map.of(N3, Optional.of(contact(N1, 4, 1500, 10))), THREE)).isEqualTo(Decision.WAIT);
    assertThat(policy.decide(N2, own, Map.of(N3, Optional.of(contact(N2, 3, 1500, 10))), THREE)).isEqualTo(Decision.WAIT);
    // The leader's own answer never counts, nor does a non-voter's.
    assertThat(policy.decide(N2, own, Map.of(N1, Optional.of(contact(N1, 3, 1500, 10)),
        NodeId.of("n9"), Optional.of(contact(N1, 3, 1500, 10))), THREE)).isEqualTo(Decision.WAIT);
  }

  @Test
  void aFollowerWhoseOwnSilenceIsTooShortNeverStarts() {
    assertThat(policy.decide(N2, contact(N1, 3, 999, 10), Map.of(N3, Optional.of(contact(N1, 3, 5000, 10))), THREE))
        .isEqualTo(Decision.WAIT);
  }

  @Test
  void aPeerWithAMoreUpToDateLogGoesInstead() {
    assertThat(policy.decide(N2, contact(N1, 3, 1010, 10), Map.of(N3, Optional.of(contact(N1, 3, 1010, 11))), THREE))
        .isEqualTo(Decision.DEFER);
    assertThat(policy.decide(N3, contact(N1, 3, 1110, 11), Map.of(N2, Optional.of(contact(N1, 3, 1110, 10))), THREE))
        .isEqualTo(Decision.START);
    // A later last term beats a longer log.
    LeaderContact newerTerm = new LeaderContact(N1, 3, 1010, 3, 5);
    LeaderContact longerLog = new LeaderContact(N1, 3, 1010, 2, 50);
    assertThat(newerTerm.logAtLeastAsUpToDateAs(longerLog)).isTrue();
    assertThat(longerLog.logAtLeastAsUpToDateAs(newerTerm)).isFalse();
  }

  @Test
  void fiveVotersNeedThreeSilentOnes() {
    Set<NodeId> five = Set.of(N1, N2, N3, NodeId.of("n4"), NodeId.of("n5"));
    LeaderContact own = contact(N1, 7, 1200, 40);
    Map<NodeId, Optional<LeaderContact>> answers = new HashMap<>();
    answers.put(N3, Optional.of(contact(N1, 7, 1200, 40)));
    answers.put(NodeId.of("n4"), Optional.of(contact(N1, 7, 30, 40)));
    assertThat(policy.decide(N2, own, answers, five)).isEqualTo(Decision.WAIT);
    answers.put(NodeId.of("n5"), Optional.of(contact(N1, 7, 1001, 39)));
    assertThat(policy.decide(N2, own, answers, five)).isEqualTo(Decision.START);
  }

  /**
   * The safety rule, over random clusters and answers: whenever the policy says START, a majority
   * of the voters (the asker included, the leader excluded) reported at least electionTimeoutMin
   * of silence from the same leader and term, so no majority can still be keeping the old leader's
   * lease; and the asker is at least as up to date as every silent peer.
   */
  @Test
  void startOnlyWithASilentMajorityThatWouldVoteForTheAsker() {
    record Answer(int silence, int lastIndex, boolean sameTerm, boolean answered) {}
    qt().forAll(
        integers().between(1, 7),
        integers().between(0, 2500),
        lists().of(integers().between(0, Integer.MAX_VALUE).map(r -> new Answer(
            r % 2500, (r / 2500) % 4, (r / 10_000) % 5 != 0, (r / 50_000) % 6 != 0))).ofSize(7))
        .checkAssert((size, ownSilence, raw) -> {
          Set<NodeId> voters = new TreeSet<>();
          for (int i = 1; i <= size; i++) {
            voters.add(NodeId.of("n" + i));
          }
          NodeId leader = NodeId.of("n1");
          NodeId self = NodeId.of("n" + Math.min(2, size));
          LeaderContact own = contact(leader, 5, ownSilence, 2);
          Map<NodeId, Optional<LeaderContact>> answers = new HashMap<>();
          for (int i = 1; i <= size; i++) {
            Answer a = raw.get(i - 1);
            answers.put(NodeId.of("n" + i), a.answered()
                ? Optional.of(contact(leader, a.sameTerm() ? 5 : 6, a.silence(), a.lastIndex()))
                : Optional.empty());
          }
          Decision d = policy.decide(self, own, answers, voters);
          if (d != Decision.START) {
            return;
          }
          assertThat(self).isNotEqualTo(leader);
          assertThat(ownSilence).isGreaterThanOrEqualTo(1000);
          List<LeaderContact> silent = answers.entrySet().stream()
              .filter(e -> !e.getKey().equals(self) && !e.getKey().equals(leader))
              .flatMap(e -> e.getValue().stream())
              .filter(c -> c.term() == 5 && c.silenceMs() >= 1000)
              .toList();
          assertThat(silent.size() + 1).isGreaterThanOrEqualTo(size / 2 + 1);
          assertThat(silent).allMatch(own::logAtLeastAsUpToDateAs);
        });
  }
}
