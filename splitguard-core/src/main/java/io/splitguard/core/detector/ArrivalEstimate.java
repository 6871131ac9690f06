package io.splitguard.core.detector;

/**
 * The fitted distribution of a peer's next heartbeat, as a {@link PhiAccrualDetector} holds it
 * after its latest arrival: an immutable snapshot, so callers can ask "when will phi reach x?"
 * without touching the detector.
 *
 * <p>Used to schedule a precise re-check instead of polling, and by the simulator to know the
 * exact moment of suspicion for several thresholds from one run.
 *
 * @param lastArrivalNanos monotonic time of the latest heartbeat
 * @param meanNanos expected time from that heartbeat to the next, acceptable pause included
 * @param stdDeviationNanos standard deviation of that time, never below the configured floor
 */
public record ArrivalEstimate(long lastArrivalNanos, double meanNanos, double stdDeviationNanos) {

  /** Validates the fields. */
  public ArrivalEstimate {
    if (!(meanNanos > 0) || Double.isInfinite(meanNanos)) {
      throw new IllegalArgumentException("meanNanos must be positive and finite, got " + meanNanos);
    }
    if (!(stdDeviationNanos > 0) || Double.isInfinite(stdDeviationNanos)) {
      throw new IllegalArgumentException(
          "stdDeviationNanos must be positive and finite, got " + stdDeviationNanos);
    }
  }

  /** Phi at {@code nowNanos} if no further heartbeat arrives before then. */
  public double phi(long nowNanos) {
    return PhiAccrualDetector.phi(nowNanos - lastArrivalNanos, meanNanos, stdDeviationNanos);
  }

  /**
   * The earliest time at which {@link #phi(long)} is at least {@code level}: for {@code level} =
   * the threshold, the moment the peer becomes suspected unless a heartbeat comes first. Never
   * earlier than {@link #lastArrivalNanos()}.
   *
   * @param level a positive, finite phi
   */
  public long nanosWhenPhiReaches(double level) {
    if (!(level > 0) || Double.isInfinite(level)) {
      throw new IllegalArgumentException("phi level must be positive and finite, got " + level);
    }
    if (phi(lastArrivalNanos) >= level) {
      return lastArrivalNanos;
    }
    // phi = log10(1 + exp(g(y))) with g(y) = y (1.5976 + 0.070566 y^2) and y = (elapsed - mean)
    // / std, so phi = level at g(y) = ln(10^level - 1): a depressed cubic with one real root
    // (Cardano). Written with log1p so that large levels do not overflow 10^level.
    double g = level * Math.log(10) + Math.log1p(-Math.pow(10, -level));
    double p = 1.5976 / 0.070566;
    double q = -g / 0.070566;
    double root = Math.sqrt(q * q / 4 + p * p * p / 27);
    double y = Math.cbrt(-q / 2 + root) + Math.cbrt(-q / 2 - root);
    double guess = lastArrivalNanos + meanNanos + y * stdDeviationNanos;
    long hi = (long) Math.min(Math.max(Math.ceil(guess), lastArrivalNanos + 1), Long.MAX_VALUE / 2);
    // The closed form is exact up to rounding; a short integer search makes the answer agree
    // bit for bit with phi(), which is what callers compare against.
    long step = 1;
    while (phi(hi) < level) {
      hi += step;
      step *= 2;
    }
    long lo = Math.max(lastArrivalNanos, hi - 1);
    step = 1;
    while (lo > lastArrivalNanos && phi(lo) >= level) {
      lo = Math.max(lastArrivalNanos, lo - step);
      step *= 2;
    }
    // Invariant: phi(lo) < level <= phi(hi), lo < hi.
    while (hi - lo > 1) {
      long mid = lo + (hi - lo) / 2;
      if (phi(mid) >= level) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return hi;
  }
}
