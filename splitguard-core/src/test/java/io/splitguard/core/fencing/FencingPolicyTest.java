package io.splitguard.core.fencing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Examples of the self-fencing rules, each driven by a simulated clock. */
class FencingPolicyTest {
  private static final long MS = 1_000_000;
  private final FencingSettings settings = FencingSettings.defaults();
  private final FencingPolicy policy = new FencingPolicy(settings, Duration.ofMillis(1000));

  private static FencingObservation leader(long nowMs, long term, long contactAgeMs, boolean quorum) {
    return new FencingObservation(nowMs * MS, true, term, true, contactAgeMs * MS, 0, quorum, 0);
  }

  private static FencingObservation follower(long nowMs, long term, boolean quorum) {
    return new FencingObservation(nowMs * MS, false, term, false, 0, 100 * MS, quorum, 0);
  }

  private static FencingObservation leaderless(long nowMs, long term, boolean quorum) {
    return new FencingObservation(nowMs * MS, false, term, false, 0, Long.MAX_VALUE, quorum, 0);
  }

  @Test
  void aConfirmedLeaderWithQuorumCreatesTheFenceFileOncePerTerm() {
    assertThat(policy.observe(leader(0, 3, 10, true)))
        .containsExactly(new FencingAction.CreateFenceFile(3));
    assertThat(policy.observe(leader(25, 3, 200, true))).isEmpty();
    assertThat(policy.primaryTerm()).isEqualTo(3);
  }

  @Test
  void anUnconfirmedLeaderDoesNotCreateTheFenceFile() {
    FencingObservation notReady = new FencingObservation(0, true, 3, false, 0, 0, true, 0);
    assertThat(policy.observe(notReady)).isEmpty();
    assertThat(policy.primaryTerm()).isEqualTo(-1);
  }

  @Test
  void aLeaderWhoseMajorityContactOutlivesTheLeaseRemovesTheFileStepsDownAndFences() {
    policy.observe(leader(0, 3, 10, true));
    assertThat(policy.observe(leader(700, 3, 750, true))).isEmpty(); // exactly the lease: still fine
    List<FencingAction> actions = policy.observe(leader(725, 3, 751, true));
    assertThat(actions).hasSize(3);
    assertThat(actions.get(0)).isInstanceOf(FencingAction.RemoveFenceFile.class);
    assertThat(actions.get(1)).isEqualTo(new FencingAction.StepDown(3));
    assertThat(actions.get(2)).isInstanceOfSatisfying(FencingAction.Fence.class, f -> {
      assertThat(f.reason()).isEqualTo(FenceReason.LEADER_LEASE_EXPIRED);
      assertThat(f.wasLeader()).isTrue();
      assertThat(f.detail()).contains("majority_contact_age_ms=751").contains("lease_ms=750");
    });
    assertThat(policy.fenced()).contains(FenceReason.LEADER_LEASE_EXPIRED);
  }

  @Test
  void aFollowerThatLosesTheQuorumItHadIsFencedAndUnfencedWhenItReturns() {
    policy.observe(follower(0, 3, true));
    List<FencingAction> lost = policy.observe(follower(100, 3, false));
    assertThat(lost).singleElement().isInstanceOfSatisfying(FencingAction.Fence.class, f -> {
      assertThat(f.reason()).isEqualTo(FenceReason.QUORUM_LOST);
      assertThat(f.wasLeader()).isFalse();
    });
    assertThat(policy.observe(follower(200, 3, false))).isEmpty();
    assertThat(policy.observe(follower(300, 4, true)))
        .containsExactly(new FencingAction.Unfence(FenceReason.QUORUM_LOST, 200 * MS));
    assertThat(policy.fenced()).isEmpty();
  }

  @Test
  void aNodeThatNeverHadAQuorumIsNotFencedForLackingOne() {
    assertThat(policy.observe(follower(0, 0, false))).isEmpty();
    assertThat(policy.fenced()).isEmpty();
  }

  @Test
  void aPauseFencesAtOnceAndQuarantinesForOneLease() {
    policy.observe(leader(0, 3, 10, true));
    FencingObservation resumed = new FencingObservation(5000 * MS, true, 3, true, 10 * MS, 0, true, 4000 * MS);
    List<FencingAction> actions = policy.observe(resumed);
    assertThat(actions.get(0)).isEqualTo(new FencingAction.PauseDetected(4000 * MS));
    assertThat(actions).contains(new FencingAction.StepDown(3));
    assertThat(actions).anySatisfy(a -> assertThat(a).isInstanceOfSatisfying(FencingAction.Fence.class,
        f -> assertThat(f.reason()).isEqualTo(FenceReason.PROCESS_PAUSE)));
    // Even with fresh-looking contact and quorum, the quarantine (one lease, 750 ms) holds.
    assertThat(policy.observe(follower(5000 + 749, 4, true))).isEmpty();
    assertThat(policy.fenced()).contains(FenceReason.PROCESS_PAUSE);
    assertThat(policy.observe(follower(5000 + 750, 4, true)))
        .singleElement().isInstanceOf(FencingAction.Unfence.class);
  }

  @Test
  void aShortScheduleGapIsNotAPause() {
    policy.observe(leader(0, 3, 10, true));
    FencingObservation gap = new FencingObservation(400 * MS, true, 3, true, 10 * MS, 0, true, 300 * MS);
    assertThat(policy.observe(gap)).isEmpty();
  }

  @Test
  void learningOfAHigherTermWhileHoldingTheFenceFileIsReportedAsSuspectedSplitBrain() {
    policy.observe(leader(0, 3, 10, true));
    List<FencingAction> actions = policy.observe(follower(25, 5, true));
    assertThat(actions).containsExactly(
        new FencingAction.SplitBrainSuspected(3, 5), new FencingAction.RemoveFenceFile("not leader"));
  }

  @Test
  void aLeaderThatFencedItselfGetsTheFileBackOnlyWhenItLeadsAgainWithQuorum() {
    policy.observe(leader(0, 3, 10, true));
    policy.observe(leader(800, 3, 800, true)); // fenced, file removed
    assertThat(policy.observe(follower(900, 3, true)))
        .singleElement().isInstanceOf(FencingAction.Unfence.class);
    assertThat(policy.primaryTerm()).isEqualTo(-1);
    assertThat(policy.observe(leader(3000, 5, 20, true))).containsExactly(new FencingAction.CreateFenceFile(5));
  }

  @Test
  void aChangeOfReasonWhileFencedRunsNoActuatorAgain() {
    policy.observe(leader(0, 3, 10, true));
    policy.observe(leader(800, 3, 800, true));
    assertThat(policy.observe(follower(825, 3, false)))
        .containsExactly(new FencingAction.ReasonChanged(FenceReason.LEADER_LEASE_EXPIRED, FenceReason.QUORUM_LOST));
  }

  @Test
  void aNewLeaderIsNotFencedForTheMadeUpContactAgesRaftReportsBeforeItsFirstCommit() {
    policy.observe(follower(0, 2, true));
    FencingObservation fresh = new FencingObservation(100 * MS, true, 3, false, 2300 * MS, 0, true, 0);
    assertThat(policy.observe(fresh)).isEmpty();
    assertThat(policy.fenced()).isEmpty();
  }

  @Test
  void aLeaderThatSteppedDownStaysFencedUntilRaftAndTheDetectorBothShowAMajority() {
    policy.observe(leader(0, 3, 10, true));
    policy.observe(leader(800, 3, 800, true));
    // No longer leader, the detector still (wrongly) sees a majority, no leader heard: still fenced.
    assertThat(policy.observe(leaderless(825, 3, true))).isEmpty();
    assertThat(policy.fenced()).contains(FenceReason.LEADER_LEASE_EXPIRED);
    // A leader is heard from, but the detector does not see a majority: still fenced.
    assertThat(policy.observe(follower(900, 4, false)))
        .containsExactly(new FencingAction.ReasonChanged(FenceReason.LEADER_LEASE_EXPIRED, FenceReason.QUORUM_LOST));
    assertThat(policy.observe(follower(1000, 4, true))).singleElement().isInstanceOf(FencingAction.Unfence.class);
  }

  @Test
  void aPauseBeforeTheNodeEverSawAMajorityIsRecordedButFencesNothing() {
    FencingObservation starting = new FencingObservation(500 * MS, false, 0, false, 0, Long.MAX_VALUE, false, 450 * MS);
    assertThat(policy.observe(starting)).containsExactly(new FencingAction.PauseDetected(450 * MS));
    assertThat(policy.fenced()).isEmpty();
    assertThat(policy.armed()).isFalse();
    policy.observe(follower(600, 1, true));
    assertThat(policy.armed()).isTrue();
  }

  @Test
  void aPlannedHandoverGivesUpTheFileFirstAndItsSuccessorsTermIsNoSplitBrain() {
    policy.observe(leader(0, 3, 10, true));
    assertThat(policy.relinquish()).containsExactly(new FencingAction.RemoveFenceFile("handing leadership over"));
    assertThat(policy.observe(leader(25, 3, 10, true))).isEmpty(); // still leader in term 3: no file again
    assertThat(policy.observe(follower(50, 4, true))).isEmpty(); // the successor's term: expected
    assertThat(policy.observe(leader(5000, 6, 10, true))).containsExactly(new FencingAction.CreateFenceFile(6));
  }

  @Test
  void aNewerTermSeenRightAfterAPauseIsThePausesDoingNotASplitBrain() {
    policy.observe(leader(0, 3, 10, true));
    FencingObservation resumed = new FencingObservation(5000 * MS, false, 5, false, 0, 100 * MS, true, 4000 * MS);
    assertThat(policy.observe(resumed)).noneMatch(a -> a instanceof FencingAction.SplitBrainSuspected)
        .contains(new FencingAction.RemoveFenceFile("fenced: PROCESS_PAUSE"));
  }
}
