package io.splitguard.core.detector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import io.splitguard.core.cluster.NodeId;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The arrival estimate and the exact suspicion time: the closed form must agree with {@link
 * PhiAccrualDetector#phi(long)} to the nanosecond, because the simulator and any timer-driven
 * re-check rely on it instead of polling.
 */
class ArrivalEstimateTest {
  private static final long MS = 1_000_000;

  @Test
  void aDetectorThatNeverHeardHasNoEstimate() {
    assertThat(new PhiAccrualDetector(DetectorSettings.lan()).estimate()).isEmpty();
  }

  @Test
  void theEstimateGivesTheSamePhiAsTheDetector() {
    PhiAccrualDetector d = new PhiAccrualDetector(DetectorSettings.lan());
    long now = 5 * MS;
    for (int i = 0; i < 50; i++) {
      now += (80 + (i * 37) % 45) * MS;
      d.heartbeat(now);
    }
    ArrivalEstimate e = d.estimate().orElseThrow();
    assertThat(e.lastArrivalNanos()).isEqualTo(now);
    for (long silence = 0; silence < 3000; silence += 7) {
      assertThat(e.phi(now + silence * MS)).isEqualTo(d.phi(now + silence * MS));
    }
  }

  @Test
  void theSuspicionTimeOfTheLanDefaultsIsTheDetectionBound() {
    PhiAccrualDetector d = new PhiAccrualDetector(DetectorSettings.lan());
    long now = 0;
    for (int i = 0; i < 1000; i++) {
      now += 100 * MS;
      d.heartbeat(now);
    }
    long suspectAt = d.estimate().orElseThrow().nanosWhenPhiReaches(8);
    assertThat(d.isAvailable(suspectAt - 1)).isTrue();
    assertThat(d.isAvailable(suspectAt)).isFalse();
    // detectionBound() bisects the same curve with a window of exact 100 ms samples.
    assertThat(Math.abs(suspectAt - now - DetectorSettings.lan().detectionBound().toNanos()))
        .isLessThan(MS);
  }

  @Test
  void nanosWhenPhiReachesIsTheFirstNanosecondAtThatLevel_forAnyEstimateAndLevel() {
    qt().withExamples(3000)
        .forAll(longs().between(-1_000_000_000_000L, 1_000_000_000_000L),
            doubles().between(1e6, 5e9), doubles().between(1e5, 2e9),
            doubles().between(0.01, 40))
        .checkAssert((last, mean, std, level) -> {
          ArrivalEstimate e = new ArrivalEstimate(last, mean, std);
          long t = e.nanosWhenPhiReaches(level);
          assertThat(t).isGreaterThanOrEqualTo(last);
          assertThat(e.phi(t)).isGreaterThanOrEqualTo(level);
          if (t > last) {
            assertThat(e.phi(t - 1)).isLessThan(level);
          }
        });
  }

  @Test
  void higherLevelsAreReachedLater() {
    qt().withExamples(500)
        .forAll(doubles().between(1e6, 5e9), doubles().between(1e5, 2e9),
            integers().between(1, 30))
        .checkAssert((mean, std, level) -> {
          ArrivalEstimate e = new ArrivalEstimate(0, mean, std);
          assertThat(e.nanosWhenPhiReaches(level + 1)).isGreaterThan(e.nanosWhenPhiReaches(level));
        });
  }

  @Test
  void invalidEstimatesAndLevelsAreRejected() {
    assertThatThrownBy(() -> new ArrivalEstimate(0, 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ArrivalEstimate(0, 1, Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
    ArrivalEstimate e = new ArrivalEstimate(0, 1e8, 1e8);
    assertThatThrownBy(() -> e.nanosWhenPhiReaches(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> e.nanosWhenPhiReaches(Double.POSITIVE_INFINITY))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void partitionDetectorAnswersPerPeerAndTheCheapStatusMatchesTheView() {
    NodeId b = NodeId.of("b");
    NodeId c = NodeId.of("c");
    NodeId d = NodeId.of("d");
    NodeId e = NodeId.of("e");
    PartitionDetector detector = new PartitionDetector(List.of(b, c, d, e), DetectorSettings.lan());
    assertThat(detector.peers()).containsExactly(b, c, d, e);
    assertThat(detector.estimate(b)).isEmpty();
    long now = 0;
    for (int i = 0; i < 30; i++) {
      now += 100 * MS;
      detector.onHeartbeat(b, now);
      detector.onHeartbeat(c, now);
      if (i < 10) {
        detector.onHeartbeat(d, now);
      }
    }
    for (long t = now; t < now + 3000 * MS; t += 50 * MS) {
      PartitionView view = detector.view(t);
      assertThat(detector.status(t)).isEqualTo(view.status());
      assertThat(detector.hasQuorum(t)).isEqualTo(view.quorum());
      assertThat(detector.reachablePeers(t)).containsExactlyElementsOf(
          view.peers().stream().filter(PartitionView.PeerView::reachable)
              .map(PartitionView.PeerView::id).toList());
    }
    assertThat(detector.reachablePeers(now)).containsExactly(b, c);
    assertThat(detector.status(now)).isEqualTo(PartitionStatus.DEGRADED);
    assertThat(detector.isReachable(d, now)).isFalse();
    assertThat(detector.phi(e, now)).isInfinite();
    assertThat(detector.estimate(b).orElseThrow().lastArrivalNanos()).isEqualTo(now);
    long end = now;
    assertThatThrownBy(() -> detector.phi(NodeId.of("x"), end))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x");
  }
}
