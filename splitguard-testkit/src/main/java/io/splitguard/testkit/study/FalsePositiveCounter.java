package io.splitguard.testkit.study;

import io.splitguard.core.detector.ArrivalEstimate;
import io.splitguard.testkit.sim.HeartbeatListener;
import io.splitguard.testkit.sim.Simulation;
import java.util.Optional;

/**
 * Counts, from one crash-free run, how many wrong suspicions a phi detector at each of several
 * thresholds and a fixed-timeout detector at any timeout would have raised.
 *
 * <p>One run serves all detectors because none of them feeds back into the network: a phi
 * detector at threshold T suspects during a silence exactly when phi at the end of that silence
 * (just before the next heartbeat) is at least T, since phi only grows with silence; a fixed
 * timeout t suspects exactly when the silence is at least t. So each delivered heartbeat adds to
 * a phi count per threshold and to a histogram of silences. Silences still open when the run ends
 * count too (through {@link #finish}).
 */
final class FalsePositiveCounter implements HeartbeatListener {
  /** Silences are binned per millisecond up to this; longer ones share the last bin. */
  static final int MAX_GAP_MS = 60_000;

  private final double[] thresholds;
  private final long[] phiCounts;
  private final long[] gapHistogram = new long[MAX_GAP_MS + 1];
  private final long fromNanos;

  /**
   * @param thresholds the phi thresholds to count for
   * @param fromNanos heartbeats before this simulated time are ignored (warm-up)
   */
  FalsePositiveCounter(double[] thresholds, long fromNanos) {
    this.thresholds = thresholds.clone();
    this.phiCounts = new long[thresholds.length];
    this.fromNanos = fromNanos;
  }

  @Override
  public void onHeartbeat(int receiver, int sender, long nowNanos, double phiBefore,
      long silenceBeforeNanos) {
    if (nowNanos < fromNanos || silenceBeforeNanos < 0) {
      return;
    }
    record(phiBefore, silenceBeforeNanos);
  }

  /** Adds the silences that are still open at the end of the run. */
  void finish(Simulation sim) {
    long now = sim.nowNanos();
    for (int i = 0; i < sim.size(); i++) {
      for (int j = 0; j < sim.size(); j++) {
        if (i == j || sim.isCrashed(i) || sim.isCrashed(j)) {
          continue;
        }
        Optional<ArrivalEstimate> e = sim.estimate(i, j);
        if (e.isPresent() && e.get().lastArrivalNanos() >= fromNanos) {
          record(e.get().phi(now), now - e.get().lastArrivalNanos());
        }
      }
    }
  }

  private void record(double phi, long silenceNanos) {
    for (int k = 0; k < thresholds.length; k++) {
      if (phi >= thresholds[k]) {
        phiCounts[k]++;
      }
    }
    gapHistogram[(int) Math.min(MAX_GAP_MS, silenceNanos / 1_000_000)]++;
  }

  /** Wrong suspicions of a phi detector at {@code thresholds[k]}. */
  long phiCount(int k) {
    return phiCounts[k];
  }

  /** Wrong suspicions of a fixed-timeout detector with a timeout of {@code timeoutMs}. */
  long fixedCount(int timeoutMs) {
    long count = 0;
    for (int ms = Math.max(0, timeoutMs); ms <= MAX_GAP_MS; ms++) {
      count += gapHistogram[ms];
    }
    return count;
  }

  /**
   * The shortest timeout, in whole milliseconds, whose fixed-timeout detector raised at most
   * {@code falsePositives} wrong suspicions in this run.
   */
  int timeoutForAtMost(long falsePositives) {
    long above = 0; // silences of at least (ms + 1)
    for (int ms = MAX_GAP_MS; ms >= 1; ms--) {
      if (above + gapHistogram[ms] > falsePositives) {
        return ms + 1;
      }
      above += gapHistogram[ms];
    }
    return 1;
  }
}
