package io.splitguard.core.detector;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitguard.core.cluster.NodeId;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Quorum and status count voters only; listeners are watched and shown but do not count. */
class PartitionDetectorMembershipTest {
  private static final long MS = 1_000_000L;
  private static final NodeId A = NodeId.of("a");
  private static final NodeId B = NodeId.of("b");
  private static final NodeId C = NodeId.of("c");
  private static final NodeId D = NodeId.of("d");

  private static long beat(PartitionDetector detector, long now, int rounds, NodeId... peers) {
    for (int i = 0; i < rounds; i++) {
      now += 100 * MS;
      for (NodeId p : peers) {
        detector.onHeartbeat(p, now);
      }
    }
    return now;
  }

  @Test
  void aSilentListenerNeitherCostsQuorumNorDegradesTheStatus() {
    // a (this node), b, c vote; d listens. Only b is heard: 2 of 3 voters, quorum kept.
    PartitionDetector detector = new PartitionDetector(List.of(B, C, D), DetectorSettings.lan());
    detector.reconfigure(List.of(B, C, D), Set.of(A, B, C), true);
    long now = beat(detector, 0, 30, B, C);
    assertThat(detector.view(now).status()).isEqualTo(PartitionStatus.HEALTHY);
    assertThat(detector.view(now).peers()).extracting(PartitionView.PeerView::id).containsExactly(B, C, D);
    assertThat(detector.isReachable(D, now)).isFalse();
    now = beat(detector, now, 30, B);
    assertThat(detector.view(now).status()).isEqualTo(PartitionStatus.DEGRADED);
    assertThat(detector.hasQuorum(now)).isTrue();
  }

  @Test
  void withFourMembersCountedAsVotersTwoSilentOnesWouldCostQuorumButNotWhenOneOfThemListens() {
    PartitionDetector detector = new PartitionDetector(List.of(B, C, D), DetectorSettings.lan());
    long now = beat(detector, 0, 30, B);
    assertThat(detector.hasQuorum(now)).as("2 of 4 voters is no majority").isFalse();
    detector.reconfigure(List.of(B, C, D), Set.of(A, B, C), true);
    assertThat(detector.hasQuorum(now)).as("2 of 3 voters is").isTrue();
    assertThat(detector.isReachable(B, now)).as("history is kept across a reconfiguration").isTrue();
  }

  @Test
  void aListenerNodeDoesNotCountItselfAndANewPeerStartsUnheard() {
    PartitionDetector detector = new PartitionDetector(List.of(B, C), DetectorSettings.lan());
    detector.reconfigure(List.of(B, C), Set.of(B, C), false);
    long now = beat(detector, 0, 30, B);
    assertThat(detector.hasQuorum(now)).as("1 of the 2 voters b, c").isFalse();
    now = beat(detector, now, 2, B, C);
    assertThat(detector.hasQuorum(now)).isTrue();
    detector.reconfigure(List.of(B, C, D), Set.of(B, C, D), false);
    assertThat(detector.isReachable(D, now)).isFalse();
    assertThat(detector.hasQuorum(now)).as("b and c are 2 of 3 voters").isTrue();
    assertThat(detector.voterPeers()).containsExactlyInAnyOrder(B, C, D);
  }
}
