package io.splitguard.cli;

/**
 * A latency histogram with logarithmic buckets: about 1% relative precision from 1 µs to 60 s, in
 * a fixed array of about 1,800 counters, so recording costs a logarithm and an increment and
 * never allocates, however many operations a benchmark phase runs.
 *
 * <p>Bucket {@code i >= 1} holds values in {@code [1 µs * 1.01^(i-1), 1 µs * 1.01^i)}; a
 * percentile is reported as the geometric middle of its bucket, so it is within 0.5% of the true
 * value (a little more where floating-point rounding puts a value on a bucket edge into the
 * neighbouring bucket), and never outside the smallest and largest recorded values, which are
 * reported exactly for the first and last rank. Values below 1
 * µs share one underflow bucket, reported as the smallest recorded value; values of 60 s or more
 * share one overflow bucket, reported as the largest. The largest value is also kept exactly.
 *
 * <p>Percentiles use the nearest-rank definition: the {@code q}-quantile of {@code n} values is
 * the value at rank {@code ceil(q * n)} (1-based) in sorted order.
 *
 * <p>Not thread-safe: a benchmark gives each client thread its own histogram and {@linkplain
 * #merge merges} them when the threads are done, which keeps the hot path free of contention.
 */
final class LatencyHistogram {

  /** Lower bound of the first regular bucket: 1 µs. */
  static final long MIN_NANOS = 1_000L;

  /** Upper bound of the last regular bucket: 60 s. */
  static final long MAX_NANOS = 60_000_000_000L;

  /** Ratio of a bucket's upper to its lower bound. */
  static final double GROWTH = 1.01;

  private static final double LOG_GROWTH = Math.log(GROWTH);
  private static final int REGULAR =
      (int) Math.ceil(Math.log((double) MAX_NANOS / MIN_NANOS) / LOG_GROWTH);
  private static final int UNDERFLOW = 0;
  private static final int OVERFLOW = REGULAR + 1;

  private final long[] counts = new long[REGULAR + 2];
  private long count;
  private long min = Long.MAX_VALUE;
  private long max = Long.MIN_VALUE;
  private long sum;

  /** Records one latency; a negative value (a clock oddity) counts as zero. */
  void record(long nanos) {
    long v = Math.max(0, nanos);
    counts[bucket(v)]++;
    count++;
    sum += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }

  private static int bucket(long nanos) {
    if (nanos < MIN_NANOS) {
      return UNDERFLOW;
    }
    if (nanos >= MAX_NANOS) {
      return OVERFLOW;
    }
    int i = 1 + (int) (Math.log((double) nanos / MIN_NANOS) / LOG_GROWTH);
    // Rounding can push a value just below 60 s past the last regular bucket.
    return Math.min(i, REGULAR);
  }

  /** Adds every value recorded by {@code other} to this histogram. */
  void merge(LatencyHistogram other) {
    for (int i = 0; i < counts.length; i++) {
      counts[i] += other.counts[i];
    }
    count += other.count;
    sum += other.sum;
    min = Math.min(min, other.min);
    max = Math.max(max, other.max);
  }

  /** How many values were recorded. */
  long count() {
    return count;
  }

  /** The largest recorded value, exactly; 0 if none was recorded. */
  long maxNanos() {
    return count == 0 ? 0 : max;
  }

  /** The mean of the recorded values, exactly; 0 if none was recorded. */
  double meanNanos() {
    return count == 0 ? 0 : (double) sum / count;
  }

  /**
   * The {@code q}-quantile (nearest rank) within the histogram's precision.
   *
   * @param q between 0 and 1, for example {@code 0.999} for p99.9
   * @return the value in nanoseconds, or 0 if nothing was recorded
   */
  long percentileNanos(double q) {
    if (!(q >= 0 && q <= 1)) {
      throw new IllegalArgumentException("quantile must be in [0, 1]: " + q);
    }
    if (count == 0) {
      return 0;
    }
    long rank = rank(q, count);
    // The extremes are known exactly, so the bucket's approximation is not needed for them.
    if (rank == count) {
      return max;
    }
    if (rank == 1) {
      return min;
    }
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return representative(i);
      }
    }
    return max; // unreachable: the counts add up to count
  }

  /** {@link #percentileNanos} in milliseconds. */
  double percentileMillis(double q) {
    return percentileNanos(q) / 1e6;
  }

  /**
   * {@code ceil(q * n)}, at least 1. A product that lands a hair above an integer only through
   * floating-point error (0.999 * 1000 is not exactly 999) is taken as that integer, or p99.9 of
   * 1,000 values would skip to the largest.
   */
  static long rank(double q, long n) {
    double x = q * n;
    long r = (long) Math.ceil(x);
    if (r - x > 1 - 1e-9) {
      r--;
    }
    return Math.max(1, Math.min(r, n));
  }

  private long representative(int bucket) {
    if (bucket == UNDERFLOW) {
      return min;
    }
    if (bucket == OVERFLOW) {
      return max;
    }
    double middle = MIN_NANOS * Math.pow(GROWTH, bucket - 0.5);
    long v = Math.round(middle);
    return Math.max(min, Math.min(max, v));
  }
}
