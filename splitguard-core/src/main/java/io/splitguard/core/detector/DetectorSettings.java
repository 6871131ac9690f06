package io.splitguard.core.detector;

import java.time.Duration;
import java.util.Objects;

/**
 * Tuning of the {@link PhiAccrualDetector}.
 *
 * @param heartbeatInterval how often peers send heartbeats; also the cold-start prior mean
 * @param threshold phi at or above which a peer is suspected (8: one false suspicion in 10^8)
 * @param minStdDeviation floor for the fitted standard deviation, so a very regular network does
 *     not make the detector hair-triggered
 * @param acceptablePause extra silence tolerated before suspicion rises (GC pauses, scheduling)
 * @param windowSize how many inter-arrival samples are kept
 */
public record DetectorSettings(
    Duration heartbeatInterval,
    double threshold,
    Duration minStdDeviation,
    Duration acceptablePause,
    int windowSize) {

  /** Validates the fields. */
  public DetectorSettings {
    Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
    Objects.requireNonNull(minStdDeviation, "minStdDeviation");
    Objects.requireNonNull(acceptablePause, "acceptablePause");
    if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
      throw new IllegalArgumentException("heartbeatInterval must be positive");
    }
    if (!(threshold > 0)) {
      throw new IllegalArgumentException("phi threshold must be positive, got " + threshold);
    }
    if (minStdDeviation.isNegative() || minStdDeviation.isZero()) {
      throw new IllegalArgumentException("minStdDeviation must be positive");
    }
    if (acceptablePause.isNegative()) {
      throw new IllegalArgumentException("acceptablePause must not be negative");
    }
    if (windowSize < 2) {
      throw new IllegalArgumentException("windowSize must be at least 2, got " + windowSize);
    }
  }

  /** LAN defaults: 100 ms heartbeats, threshold 8, 100 ms minimum deviation, 500 ms pause, 1000 samples. */
  public static DetectorSettings lan() {
    return new DetectorSettings(
        Duration.ofMillis(100), 8.0, Duration.ofMillis(100), Duration.ofMillis(500), 1000);
  }

  /**
   * Upper estimate of how long a silent peer stays "available": the silence after which phi
   * reaches the threshold when all samples equal the heartbeat interval and the deviation is at
   * its floor. Used to check timing configurations against each other.
   */
  public Duration detectionBound() {
    // Solve phi(elapsed) = threshold with the logistic approximation by bisection; a few dozen
    // steps are plenty and this runs only at start-up.
    double mean = heartbeatInterval.toNanos() + acceptablePause.toNanos();
    double std = minStdDeviation.toNanos();
    double lo = mean;
    double hi = mean + 100 * std;
    for (int i = 0; i < 100; i++) {
      double mid = (lo + hi) / 2;
      if (PhiAccrualDetector.phi(mid, mean, std) < threshold) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return Duration.ofNanos((long) Math.ceil(hi));
  }
}
