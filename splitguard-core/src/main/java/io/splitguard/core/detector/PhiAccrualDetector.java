package io.splitguard.core.detector;

import java.util.Optional;

/**
 * Phi-accrual failure detector for one peer (Hayashibara et al., as used by Cassandra and Pekko).
 *
 * <p>Instead of a yes/no timeout it reports a suspicion level, phi: {@code phi = -log10(P(a
 * heartbeat arrives later than now))}, where the arrival distribution is a normal distribution fit
 * to the recent inter-arrival times. Phi 1 means a 10% chance of a mistake, phi 8 one in 10^8.
 *
 * <p>Cold start: until real samples exist, the window is seeded with a prior (the configured
 * heartbeat interval as mean, with {@code minStdDeviation}) so a fresh cluster neither raises false
 * alarms nor waits forever.
 *
 * <p>Pure and single-threaded: time comes in as monotonic nanoseconds from the caller.
 */
public final class PhiAccrualDetector {
  private final DetectorSettings settings;
  private final long[] intervals;
  private int count;
  private int next;
  private double sum;
  private double sumOfSquares;
  private long lastArrivalNanos;
  private boolean started;

  /** A detector that has not heard from its peer yet. */
  public PhiAccrualDetector(DetectorSettings settings) {
    this.settings = settings;
    this.intervals = new long[settings.windowSize()];
  }

  /**
   * Records a heartbeat arrival at {@code nowNanos}. The first heartbeat only starts the clock;
   * the first interval is seeded with the prior.
   */
  public void heartbeat(long nowNanos) {
    if (!started) {
      started = true;
      lastArrivalNanos = nowNanos;
      long prior = settings.heartbeatInterval().toNanos();
      // Two prior samples, one interval either side of the expected one, give the prior a
      // standard deviation instead of zero.
      add(prior - prior / 4);
      add(prior + prior / 4);
      return;
    }
    long interval = nowNanos - lastArrivalNanos;
    if (interval < 0) {
      return; // reordered or a clock bug; ignore rather than poison the window
    }
    lastArrivalNanos = nowNanos;
    add(interval);
  }

  /** Whether any heartbeat has arrived. */
  public boolean hasHeard() {
    return started;
  }

  /** Nanoseconds since the last heartbeat, or -1 if none arrived yet. */
  public long silenceNanos(long nowNanos) {
    return started ? Math.max(0, nowNanos - lastArrivalNanos) : -1;
  }

  /**
   * The fitted distribution of the next arrival, or empty before the first heartbeat. A snapshot:
   * later heartbeats do not change it.
   */
  public Optional<ArrivalEstimate> estimate() {
    if (!started) {
      return Optional.empty();
    }
    return Optional.of(
        new ArrivalEstimate(lastArrivalNanos, meanNanos(), stdDeviationNanos()));
  }

  /**
   * The suspicion level at {@code nowNanos}; {@link Double#POSITIVE_INFINITY} before any heartbeat
   * arrived (a peer never heard from is not reachable).
   */
  public double phi(long nowNanos) {
    if (!started) {
      return Double.POSITIVE_INFINITY;
    }
    return phi(nowNanos - lastArrivalNanos, meanNanos(), stdDeviationNanos());
  }

  private double meanNanos() {
    return sum / count + settings.acceptablePause().toNanos();
  }

  private double stdDeviationNanos() {
    double variance = Math.max(0, sumOfSquares / count - (sum / count) * (sum / count));
    return Math.max(Math.sqrt(variance), settings.minStdDeviation().toNanos());
  }

  /** Whether the peer is considered available: phi below the threshold. */
  public boolean isAvailable(long nowNanos) {
    return phi(nowNanos) < settings.threshold();
  }

  /**
   * Phi for a normal distribution, using the logistic approximation of its CDF (Bowling et al.,
   * max error 1.4e-4) that Pekko uses; it stays finite far into the tail.
   */
  static double phi(double elapsed, double mean, double std) {
    double y = (elapsed - mean) / std;
    double e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
    if (elapsed > mean) {
      return -Math.log10(e / (1.0 + e));
    }
    return -Math.log10(1.0 - 1.0 / (1.0 + e));
  }

  private void add(long interval) {
    if (count == intervals.length) {
      long evicted = intervals[next];
      sum -= evicted;
      sumOfSquares -= (double) evicted * evicted;
    } else {
      count++;
    }
    intervals[next] = interval;
    next = (next + 1) % intervals.length;
    sum += interval;
    sumOfSquares += (double) interval * interval;
  }
}
