package io.splitguard.client;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter (the AWS Architecture Blog's "full jitter"): the delay
 * before retry {@code n} is uniform in {@code [0, min(max, initial * 2^(n-1))]}. Full jitter
 * rather than a fixed exponential delay so that many clients that failed together (the typical
 * case in a partition) do not come back together.
 *
 * <p>Thread-safe: the random generator, which need not be, is only used under this object's lock.
 */
final class Backoff {

  private final long initialNanos;
  private final long maxNanos;
  private final RandomGenerator random;

  Backoff(Duration initial, Duration max, RandomGenerator random) {
    this.initialNanos = initial.toNanos();
    this.maxNanos = max.toNanos();
    this.random = Objects.requireNonNull(random, "random");
    if (initialNanos <= 0 || maxNanos < initialNanos) {
      throw new IllegalArgumentException("backoff needs 0 < initial <= max: " + initial + ", " + max);
    }
  }

  /** The upper bound of the jittered delay before retry {@code retry} (1 for the first retry). */
  Duration cap(int retry) {
    if (retry < 1) {
      throw new IllegalArgumentException("retry must be >= 1: " + retry);
    }
    int shift = Math.min(retry - 1, 62);
    // Compare before shifting so that large retry counts saturate at max instead of overflowing.
    long cap = initialNanos > (maxNanos >>> shift) ? maxNanos : initialNanos << shift;
    return Duration.ofNanos(cap);
  }

  /**
   * The delay before retry {@code retry}.
   *
   * @param lowerBound a server's {@code Retry-After}, or null; it raises the delay only if it is
   *     shorter than {@code remaining}, because waiting out a hint that ends after the deadline
   *     would only turn a possible success on another node into a certain failure
   * @param remaining time left until the caller's deadline
   */
  Duration delay(int retry, Duration lowerBound, Duration remaining) {
    long capNanos = cap(retry).toNanos();
    long jittered;
    synchronized (this) {
      jittered = random.nextLong(capNanos + 1);
    }
    Duration delay = Duration.ofNanos(jittered);
    if (lowerBound != null && lowerBound.compareTo(remaining) < 0 && lowerBound.compareTo(delay) > 0) {
      delay = lowerBound;
    }
    return delay;
  }
}
