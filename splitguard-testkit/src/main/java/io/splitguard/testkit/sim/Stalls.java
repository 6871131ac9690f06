package io.splitguard.testkit.sim;

import java.time.Duration;
import java.util.Objects;

/**
 * Random sender stalls: moments when a live node sends no heartbeats at all, as during a GC pause,
 * a descheduled VM or a congested uplink. They are what makes a failure detector raise false
 * alarms in practice; plain jitter and independent loss rarely do.
 *
 * <p>Stalls start as a Poisson process per node and last a log-normal time, capped.
 *
 * @param perNodePerMinute mean number of stalls each node has per minute; 0 disables them
 * @param median median stall duration
 * @param sigma spread of the duration (log-normal sigma)
 * @param max upper bound of a stall, so a test can promise that no stall exceeds a tolerance
 */
public record Stalls(double perNodePerMinute, Duration median, double sigma, Duration max) {
  /** No stalls. */
  public static final Stalls NONE = new Stalls(0, Duration.ofMillis(1), 0, Duration.ofMillis(1));

  /** Validates the fields. */
  public Stalls {
    Objects.requireNonNull(median, "median");
    Objects.requireNonNull(max, "max");
    if (!(perNodePerMinute >= 0) || Double.isInfinite(perNodePerMinute)) {
      throw new IllegalArgumentException("perNodePerMinute must be finite and not negative");
    }
    if (median.isNegative() || median.isZero() || max.compareTo(median) < 0) {
      throw new IllegalArgumentException("need 0 < median <= max");
    }
    if (!(sigma >= 0) || Double.isInfinite(sigma)) {
      throw new IllegalArgumentException("sigma must be finite and not negative");
    }
  }
}
