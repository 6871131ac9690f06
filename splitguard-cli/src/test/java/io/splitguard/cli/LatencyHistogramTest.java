package io.splitguard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * {@link LatencyHistogram} against an oracle: the same values, sorted, read at the nearest rank.
 * Quantiles are given in parts per ten thousand so that the oracle's rank is exact integer
 * arithmetic, independent of the histogram's floating-point rank.
 */
class LatencyHistogramTest {

  private static final int[] QUANTILES_PER_10K = {0, 1, 100, 2500, 5000, 9000, 9900, 9990, 9999, 10000};

  private static long oracle(long[] sorted, int per10k) {
    long n = sorted.length;
    long rank = Math.max(1, (per10k * n + 9999) / 10000);
    return sorted[(int) rank - 1];
  }

  private static void assertMatchesOracle(long seed, int n, LongSupplier values) {
    LatencyHistogram h = new LatencyHistogram();
    long[] all = new long[n];
    for (int i = 0; i < n; i++) {
      all[i] = values.getAsLong();
      h.record(all[i]);
    }
    Arrays.sort(all);
    assertThat(h.count()).isEqualTo(n);
    assertThat(h.maxNanos()).isEqualTo(all[n - 1]);
    for (int q : QUANTILES_PER_10K) {
      long expected = oracle(all, q);
      long actual = h.percentileNanos(q / 10000.0);
      assertThat((double) actual)
          .as("seed %d, n %d, quantile %d/10000: expected %d ns", seed, n, q, expected)
          .isCloseTo(expected, within(expected * 0.01));
    }
  }

  @Test
  void logUniformValuesOverTheWholeRange_matchTheOracleWithin1Percent() {
    for (long seed = 1; seed <= 5; seed++) {
      Random random = new Random(seed);
      double lo = Math.log(LatencyHistogram.MIN_NANOS);
      double hi = Math.log(LatencyHistogram.MAX_NANOS - 1);
      assertMatchesOracle(seed, 100_000,
          () -> (long) Math.exp(lo + random.nextDouble() * (hi - lo)));
    }
  }

  @Test
  void typicalRequestLatencies_matchTheOracleWithin1Percent() {
    // A body around 2 ms with a long tail, as a Raft write on a LAN looks.
    for (long seed = 11; seed <= 13; seed++) {
      Random random = new Random(seed);
      assertMatchesOracle(seed, 50_000, () -> {
        double base = 2_000_000 + random.nextGaussian() * 300_000;
        double tail = random.nextDouble() < 0.01 ? random.nextDouble() * 200_000_000 : 0;
        return (long) Math.max(LatencyHistogram.MIN_NANOS, base + tail);
      });
    }
  }

  @Test
  void smallSamples_useNearestRank() {
    for (int n : new int[] {1, 2, 3, 7, 10, 999, 1000, 1001}) {
      long seed = n;
      Random random = new Random(seed);
      assertMatchesOracle(seed, n, () -> 1_000 + (long) (random.nextDouble() * 1e9));
    }
  }

  @Test
  void tenValues_p90IsTheNinth() {
    LatencyHistogram h = new LatencyHistogram();
    for (int ms = 10; ms >= 1; ms--) {
      h.record(ms * 1_000_000L);
    }
    assertThat(h.percentileMillis(0.9)).isCloseTo(9.0, within(0.09));
    assertThat(h.percentileMillis(0.5)).isCloseTo(5.0, within(0.05));
    assertThat(h.percentileMillis(1.0)).isEqualTo(10.0);
    assertThat(h.percentileMillis(0.0)).isCloseTo(1.0, within(0.01));
  }

  @Test
  void rank_isCeilOfQTimesN_despiteFloatingPoint() {
    assertThat(LatencyHistogram.rank(0.999, 1000)).isEqualTo(999);
    assertThat(LatencyHistogram.rank(0.999, 100_000)).isEqualTo(99_900);
    assertThat(LatencyHistogram.rank(0.9, 10)).isEqualTo(9);
    assertThat(LatencyHistogram.rank(0.5, 3)).isEqualTo(2);
    assertThat(LatencyHistogram.rank(0.0, 5)).isEqualTo(1);
    assertThat(LatencyHistogram.rank(1.0, 5)).isEqualTo(5);
  }

  @Test
  void merge_equalsRecordingEverythingInOne() {
    Random random = new Random(7);
    LatencyHistogram a = new LatencyHistogram();
    LatencyHistogram b = new LatencyHistogram();
    LatencyHistogram all = new LatencyHistogram();
    for (int i = 0; i < 10_000; i++) {
      long v = 1_000 + (long) (random.nextDouble() * 5e8);
      (i % 3 == 0 ? a : b).record(v);
      all.record(v);
    }
    a.merge(b);

    assertThat(a.count()).isEqualTo(all.count());
    assertThat(a.maxNanos()).isEqualTo(all.maxNanos());
    assertThat(a.meanNanos()).isEqualTo(all.meanNanos());
    for (int q : QUANTILES_PER_10K) {
      assertThat(a.percentileNanos(q / 10000.0)).isEqualTo(all.percentileNanos(q / 10000.0));
    }
  }

  @Test
  void valuesOutsideTheRange_areKeptAtTheirExactExtremes() {
    LatencyHistogram h = new LatencyHistogram();
    h.record(300);
    h.record(-5); // a clock step backwards counts as zero
    h.record(5_000_000);
    h.record(120_000_000_000L);

    assertThat(h.percentileNanos(0.0)).isZero();
    assertThat(h.percentileNanos(1.0)).isEqualTo(120_000_000_000L);
    assertThat(h.maxNanos()).isEqualTo(120_000_000_000L);
    assertThat((double) h.percentileNanos(0.75)).isCloseTo(5_000_000, within(50_000.0));
  }

  @Test
  void empty_reportsZero() {
    LatencyHistogram h = new LatencyHistogram();

    assertThat(h.count()).isZero();
    assertThat(h.percentileNanos(0.99)).isZero();
    assertThat(h.maxNanos()).isZero();
  }

  @Test
  void quantileOutsideZeroToOne_isRejected() {
    LatencyHistogram h = new LatencyHistogram();
    assertThatThrownBy(() -> h.percentileNanos(99)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> h.percentileNanos(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
  }
}
