package io.splitguard.core.detector;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitguard.core.cluster.NodeId;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The detector and partition status on a simulated clock: no real time passes. */
class PhiAccrualDetectorTest {
  private static final long MS = 1_000_000;
  private final DetectorSettings lan = DetectorSettings.lan();

  @Test
  void aPeerNeverHeardFromIsUnreachable() {
    PhiAccrualDetector d = new PhiAccrualDetector(lan);
    assertThat(d.isAvailable(0)).isFalse();
    assertThat(d.phi(0)).isInfinite();
  }

  @Test
  void coldStartPriorAvoidsFalseAlarmsAfterTheFirstHeartbeat() {
    PhiAccrualDetector d = new PhiAccrualDetector(lan);
    d.heartbeat(0);
    // A second heartbeat a little late must not raise suspicion on a fresh detector.
    assertThat(d.isAvailable(300 * MS)).isTrue();
  }

  @Test
  void regularHeartbeatsKeepPhiLowAndSilenceRaisesItMonotonically() {
    PhiAccrualDetector d = new PhiAccrualDetector(lan);
    SplittableRandom random = new SplittableRandom(42);
    long now = 0;
    for (int i = 0; i < 200; i++) {
      now += 90 * MS + random.nextLong(20 * MS);
      d.heartbeat(now);
    }
    assertThat(d.phi(now + 100 * MS)).isLessThan(1);
    double previous = 0;
    for (long silence = 100; silence <= 3000; silence += 50) {
      double phi = d.phi(now + silence * MS);
      assertThat(phi).isGreaterThanOrEqualTo(previous);
      previous = phi;
    }
    assertThat(d.isAvailable(now + 3000 * MS)).isFalse();
  }

  @Test
  void detectionBoundMatchesWhenTheThresholdIsCrossed() {
    Duration bound = lan.detectionBound();
    assertThat(bound).isBetween(Duration.ofMillis(900), Duration.ofMillis(1500));
    PhiAccrualDetector d = new PhiAccrualDetector(lan);
    long now = 0;
    for (int i = 0; i < 1000; i++) {
      now += 100 * MS;
      d.heartbeat(now);
    }
    assertThat(d.isAvailable(now + bound.toNanos() - 10 * MS)).isTrue();
    assertThat(d.isAvailable(now + bound.toNanos() + 10 * MS)).isFalse();
  }

  @Test
  void partitionStatus_ABC_losingBandC_isPartitioned_losingOnlyC_isDegraded() {
    NodeId b = NodeId.of("b");
    NodeId c = NodeId.of("c");
    PartitionDetector detector = new PartitionDetector(List.of(b, c), lan);
    assertThat(detector.view(0).status()).isEqualTo(PartitionStatus.PARTITIONED);
    long now = 0;
    for (int i = 0; i < 20; i++) {
      now += 100 * MS;
      detector.onHeartbeat(b, now);
      detector.onHeartbeat(c, now);
    }
    assertThat(detector.view(now).status()).isEqualTo(PartitionStatus.HEALTHY);
    for (int i = 0; i < 30; i++) {
      now += 100 * MS;
      detector.onHeartbeat(b, now);
    }
    PartitionView degraded = detector.view(now);
    assertThat(degraded.status()).isEqualTo(PartitionStatus.DEGRADED);
    assertThat(degraded.quorum()).isTrue();
    assertThat(degraded.peers().get(1).reachable()).isFalse();
    now += 3000 * MS;
    PartitionView partitioned = detector.view(now);
    assertThat(partitioned.status()).isEqualTo(PartitionStatus.PARTITIONED);
    assertThat(partitioned.quorum()).isFalse();
    assertThat(detector.onHeartbeat(NodeId.of("stranger"), now)).isFalse();
  }
}
