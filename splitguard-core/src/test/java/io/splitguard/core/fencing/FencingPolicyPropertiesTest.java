package io.splitguard.core.fencing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Property tests of the self-fencing rules over random sequences of looks: leadership comes and
 * goes, terms rise, contact ages and quorum wander, pauses happen. QuickTheories prints the
 * falsifying sequence and its seed; {@code -DQT_SEED=...} replays it.
 */
class FencingPolicyPropertiesTest {
  private static final long MS = 1_000_000;
  private static final FencingSettings SETTINGS = FencingSettings.defaults();
  private static final long LEASE = SETTINGS.lease().toNanos();

  /** One look, relative to the previous one. */
  record Look(long advanceMs, boolean leader, int termBump, boolean ready, long contactAgeMs,
      long leaderContactAgeMs, boolean quorum, long pauseMs) {}

  private static final Gen<Look> LOOKS = integers().between(0, Integer.MAX_VALUE)
      .zip(integers().between(0, Integer.MAX_VALUE), (a, b) -> new Look(
          5 + a % 400,
          (a / 400) % 3 != 0,
          (a / 1200) % 10 == 0 ? 1 : 0,
          (a / 12_000) % 5 != 0,
          (b % 1000),
          (a / 60_000) % 4 == 0 ? Long.MAX_VALUE / MS : (a / 240_000) % 1500,
          (b / 1000) % 6 != 0,
          (b / 6000) % 15 == 0 ? (b / 90_000) % 3000 : 0));

  private static final Gen<List<Look>> SCENARIOS = lists().of(LOOKS).ofSizeBetween(1, 80);

  /** Replays a scenario, checking an invariant after each look. */
  interface Invariant {
    void check(FencingObservation o, List<FencingAction> actions, FencingPolicy policy, boolean primaryBefore,
        boolean armedBefore);
  }

  private static void replay(List<Look> looks, Invariant invariant) {
    FencingPolicy policy = new FencingPolicy(SETTINGS, Duration.ofMillis(1000));
    long now = 0;
    long term = 1;
    for (Look l : looks) {
      now += l.advanceMs() * MS;
      term += l.termBump();
      FencingObservation o = new FencingObservation(now, l.leader(), term, l.ready(),
          l.contactAgeMs() * MS, l.leaderContactAgeMs() * MS, l.quorum(), l.pauseMs() * MS);
      boolean primaryBefore = policy.primaryTerm() >= 0;
      boolean armedBefore = policy.armed();
      List<FencingAction> actions = policy.observe(o);
      invariant.check(o, actions, policy, primaryBefore, armedBefore);
    }
  }

  @Test
  void theFenceFileIsHeldOnlyByAConfirmedUnfencedLeaderWithinItsLeaseAndQuorum() {
    qt().withExamples(500).forAll(SCENARIOS).checkAssert(looks -> replay(looks, (o, actions, p, before, armedBefore) -> {
      if (p.primaryTerm() >= 0) {
        assertThat(o.leader() && o.leaderReady() && o.detectorQuorum()).isTrue();
        assertThat(o.majorityContactAgeNanos()).isLessThanOrEqualTo(LEASE);
        assertThat(p.fenced()).isEmpty();
        assertThat(p.primaryTerm()).isEqualTo(o.term());
      }
    }));
  }

  @Test
  void anArmedConfirmedLeaderPastItsLeaseOrAnArmedPausedNodeIsFencedAtThatVeryLook() {
    qt().withExamples(500).forAll(SCENARIOS).checkAssert(looks -> replay(looks, (o, actions, p, before, armedBefore) -> {
      if (armedBefore && o.leader() && o.leaderReady() && o.majorityContactAgeNanos() > LEASE) {
        assertThat(p.fenced()).isPresent();
      }
      if (armedBefore && o.pauseNanos() > SETTINGS.pauseThreshold().toNanos()) {
        assertThat(p.fenced()).contains(FenceReason.PROCESS_PAUSE);
      }
      if (armedBefore && !o.detectorQuorum()) {
        assertThat(p.fenced()).isPresent();
      }
    }));
  }

  @Test
  void aFencedNodeIsUnfencedOnlyOnFreshEvidenceFromBothLayers() {
    qt().withExamples(500).forAll(SCENARIOS).checkAssert(looks -> replay(looks, (o, actions, p, before, armedBefore) -> {
      if (actions.stream().anyMatch(a -> a instanceof FencingAction.Unfence)) {
        assertThat(o.detectorQuorum()).isTrue();
        if (o.leader()) {
          assertThat(o.leaderReady()).isTrue();
          assertThat(o.majorityContactAgeNanos()).isLessThanOrEqualTo(LEASE);
        } else {
          assertThat(o.leaderContactAgeNanos()).isLessThan(1000 * MS);
        }
      }
    }));
  }

  @Test
  void theFileIsRemovedBeforeAnythingElseWhenFencing() {
    qt().withExamples(500).forAll(SCENARIOS).checkAssert(looks -> replay(looks, (o, actions, p, before, armedBefore) -> {
      int fence = indexOf(actions, FencingAction.Fence.class);
      int remove = indexOf(actions, FencingAction.RemoveFenceFile.class);
      int stepDown = indexOf(actions, FencingAction.StepDown.class);
      if (fence >= 0 && before) {
        assertThat(remove).isBetween(0, fence);
      }
      if (stepDown >= 0) {
        assertThat(stepDown).isLessThan(fence);
        assertThat(o.leader()).isTrue();
      }
      assertThat(actions.stream().filter(a -> a instanceof FencingAction.CreateFenceFile).count()
          + actions.stream().filter(a -> a instanceof FencingAction.Fence).count()).isLessThanOrEqualTo(1);
    }));
  }

  private static int indexOf(List<FencingAction> actions, Class<?> type) {
    for (int i = 0; i < actions.size(); i++) {
      if (type.isInstance(actions.get(i))) {
        return i;
      }
    }
    return -1;
  }
}
