package io.splitguard.core.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import io.splitguard.core.cluster.NodeId;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The membership safety rules: examples, and properties over random configurations. */
class MembershipPolicyTest {
  private static final NodeId N1 = NodeId.of("n1");
  private static final NodeId N2 = NodeId.of("n2");
  private static final NodeId N3 = NodeId.of("n3");

  private static Membership three() {
    Map<NodeId, MemberRole> m = new LinkedHashMap<>();
    m.put(N1, MemberRole.VOTER);
    m.put(N2, MemberRole.VOTER);
    m.put(N3, MemberRole.VOTER);
    return new Membership(m);
  }

  @Test
  void demotingOneOfThreeIsAllowedAndASecondDemotionIsRefusedWithTheNumbers() {
    MembershipPolicy.Decision first = MembershipPolicy.decide(three(), new MembershipChange.Demote(N3), Set.of(N1, N2, N3));
    assertThat(first).isInstanceOfSatisfying(MembershipPolicy.Decision.Allowed.class, a -> {
      assertThat(a.next().voters()).containsExactly(N1, N2);
      assertThat(a.next().listeners()).containsExactly(N3);
    });
    Membership after = ((MembershipPolicy.Decision.Allowed) first).next();
    MembershipPolicy.Decision second = MembershipPolicy.decide(after, new MembershipChange.Remove(N2), Set.of(N1, N2, N3));
    assertThat(second).isInstanceOfSatisfying(MembershipPolicy.Decision.Refused.class, r -> {
      assertThat(r.kind()).isEqualTo(MembershipPolicy.Kind.UNSAFE);
      assertThat(r.reason()).contains("after removing n2 1 voter(s) would remain, fewer than a majority (2) of the 2 voters now");
    });
  }

  @Test
  void aChangeWhoseNewMajorityIsNotReachableIsRefused() {
    MembershipPolicy.Decision d = MembershipPolicy.decide(three(), new MembershipChange.Demote(N1), Set.of(N1, N2));
    assertThat(d).isInstanceOfSatisfying(MembershipPolicy.Decision.Refused.class, r ->
        assertThat(r.reason()).contains("only 1 of the remaining 2 voters [n2, n3] are reachable"));
  }

  @Test
  void promotionNeedsAReachableListenerAndNoOpsAndUnknownsAreNamed() {
    Membership after = ((MembershipPolicy.Decision.Allowed) MembershipPolicy.decide(
        three(), new MembershipChange.Demote(N3), Set.of(N1, N2, N3))).next();
    assertThat(MembershipPolicy.decide(after, new MembershipChange.Promote(N3), Set.of(N1, N2)))
        .isInstanceOfSatisfying(MembershipPolicy.Decision.Refused.class, r -> assertThat(r.reason()).contains("n3 is not reachable"));
    assertThat(MembershipPolicy.decide(after, new MembershipChange.Promote(N3), Set.of(N1, N2, N3)))
        .isInstanceOfSatisfying(MembershipPolicy.Decision.Allowed.class, a -> assertThat(a.next()).isEqualTo(three()));
    assertThat(MembershipPolicy.decide(three(), new MembershipChange.Promote(N3), Set.of(N1, N2, N3)))
        .isInstanceOfSatisfying(MembershipPolicy.Decision.Refused.class, r -> assertThat(r.kind()).isEqualTo(MembershipPolicy.Kind.NO_CHANGE));
    assertThat(MembershipPolicy.decide(three(), new MembershipChange.Remove(NodeId.of("n9")), Set.of(N1)))
        .isInstanceOfSatisfying(MembershipPolicy.Decision.Refused.class, r -> assertThat(r.kind()).isEqualTo(MembershipPolicy.Kind.UNKNOWN_MEMBER));
  }

  @Test
  void anAllowedChangeNeverLeavesFewerVotersThanTheOldMajorityNorAnUnreachableNewMajority() {
    qt().withExamples(2000).forAll(integers().between(0, Integer.MAX_VALUE)).checkAssert(seed -> {
      int size = 1 + seed % 7;
      Map<NodeId, MemberRole> roles = new LinkedHashMap<>();
      Set<NodeId> reachable = new LinkedHashSet<>();
      for (int i = 0; i < size; i++) {
        NodeId id = NodeId.of("n" + (i + 1));
        roles.put(id, ((seed >> (3 + i)) & 1) == 0 || i == 0 ? MemberRole.VOTER : MemberRole.LISTENER);
        if (((seed >> (11 + i)) & 1) == 0) {
          reachable.add(id);
        }
      }
      Membership current = new Membership(roles);
      NodeId target = NodeId.of("n" + (1 + (seed >> 20) % size));
      int kind = (seed >> 25) % 3;
      MembershipChange change = kind == 0 ? new MembershipChange.Demote(target)
          : kind == 1 ? new MembershipChange.Promote(target) : new MembershipChange.Remove(target);
      MembershipPolicy.Decision d = MembershipPolicy.decide(current, change, reachable);
      if (d instanceof MembershipPolicy.Decision.Allowed a) {
        Membership next = a.next();
        assertThat(next.voters().size()).isGreaterThanOrEqualTo(
            Math.min(current.majority(), current.voters().size() + 1));
        assertThat(next.voters().stream().filter(reachable::contains).count())
            .isGreaterThanOrEqualTo(change instanceof MembershipChange.Promote ? 0 : next.majority());
        assertThat(next).isNotEqualTo(current);
      }
    });
  }

  @Test
  void aNewMemberJoinsAsAListenerOnlyUnderAnUnusedId() {
    NodeId n4 = NodeId.of("n4");
    assertThat(MembershipPolicy.decide(three(), new MembershipChange.AddListener(n4), Set.of(N1, N2, N3)))
        .isInstanceOfSatisfying(MembershipPolicy.Decision.Allowed.class, a -> {
          assertThat(a.next().voters()).containsExactly(N1, N2, N3);
          assertThat(a.next().listeners()).containsExactly(n4);
        });
    assertThat(MembershipPolicy.decide(three(), new MembershipChange.AddListener(N2), Set.of(N1, N2, N3)))
        .isInstanceOfSatisfying(MembershipPolicy.Decision.Refused.class, r -> {
          assertThat(r.kind()).isEqualTo(MembershipPolicy.Kind.NO_CHANGE);
          assertThat(r.reason()).contains("n2 is already a member (VOTER)");
        });
  }

  @Test
  void aListenerThatHasNotCaughtUpIsNotPromoted() {
    Membership after = ((MembershipPolicy.Decision.Allowed) MembershipPolicy.decide(
        three(), new MembershipChange.Demote(N3), Set.of(N1, N2, N3))).next();
    Set<NodeId> all = Set.of(N1, N2, N3);
    assertThat(MembershipPolicy.decide(after, new MembershipChange.Promote(N3), all,
        new MembershipPolicy.ReplicationProgress(Map.of(N2, 0L, N3, 500L), true, 100)))
        .isInstanceOfSatisfying(MembershipPolicy.Decision.Refused.class, r -> {
          assertThat(r.kind()).isEqualTo(MembershipPolicy.Kind.NOT_CAUGHT_UP);
          assertThat(r.reason()).contains("n3 is 500 entries behind the leader's commit index, more than the 100 allowed");
        });
    assertThat(MembershipPolicy.decide(after, new MembershipChange.Promote(N3), all,
        new MembershipPolicy.ReplicationProgress(Map.of(N2, 0L), true, 100)))
        .isInstanceOfSatisfying(MembershipPolicy.Decision.Refused.class,
            r -> assertThat(r.kind()).isEqualTo(MembershipPolicy.Kind.NOT_CAUGHT_UP));
    assertThat(MembershipPolicy.decide(after, new MembershipChange.Promote(N3), all,
        new MembershipPolicy.ReplicationProgress(Map.of(N2, 0L, N3, 100L), true, 100)))
        .isInstanceOf(MembershipPolicy.Decision.Allowed.class);
  }
}
