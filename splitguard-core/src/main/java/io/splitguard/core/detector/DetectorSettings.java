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
   * Faster detection for well-behaved networks and JVMs with short pauses: threshold 5, 50 ms
   * minimum deviation and only 200 ms of acceptable pause, so a crashed peer is suspected after
   * about half a second of silence instead of about 1.1 s. The price is that a sender stall (GC,
   * scheduling, a congested link) longer than about 400 ms is reported as a failure.
   */
  public static DetectorSettings strict() {
    return new DetectorSettings(
        Duration.ofMillis(100), 5.0, Duration.ofMillis(50), Duration.ofMillis(200), 1000);
  }

  /**
   * Tolerant settings for laptops and shared CI machines, where a JVM can stop for seconds
   * (suspended laptop, overloaded runner): threshold 12, 200 ms minimum deviation and 3 s of
   * acceptable pause, so only about 4.4 s of silence counts as a failure.
   */
  public static DetectorSettings dev() {
    return new DetectorSettings(
        Duration.ofMillis(100), 12.0, Duration.ofMillis(200), Duration.ofMillis(3000), 1000);
  }

  /** The same settings with another phi threshold (what the detection study varies). */
  public DetectorSettings withThreshold(double newThreshold) {
    return new DetectorSettings(
        heartbeatInterval, newThreshold, minStdDeviation, acceptablePause, windowSize);
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
