package io.splitguard.testkit.sim;

import java.time.Duration;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The random part of a one-way network delay, added to a fixed base delay.
 *
 * <p>Samples come from a caller-supplied random source, and the Gaussian is our own Box-Muller
 * rather than {@code RandomGenerator.nextGaussian}, whose algorithm may change between JDK
 * releases: a seed should keep reproducing a run.
 */
public sealed interface Jitter {
  /** One sample, in nanoseconds, never negative. */
  long sampleNanos(SplittableRandom random);

  /** No jitter: every delay equals the base delay. */
  record None() implements Jitter {
    @Override
    public long sampleNanos(SplittableRandom random) {
      return 0;
    }
  }

  /**
   * Exponentially distributed jitter: memoryless queueing delay.
   *
   * @param mean the mean jitter
   */
  record Exponential(Duration mean) implements Jitter {
    /** Validates the mean. */
    public Exponential {
      Objects.requireNonNull(mean, "mean");
      if (mean.isNegative()) {
        throw new IllegalArgumentException("mean must not be negative");
      }
    }

    @Override
    public long sampleNanos(SplittableRandom random) {
      return (long) (-Math.log(1.0 - random.nextDouble()) * mean.toNanos());
    }
  }

  /**
   * Log-normally distributed jitter: mostly small, with the long tail measured on real networks.
   *
   * @param median the median jitter
   * @param sigma the standard deviation of the underlying normal; 1 puts p99 at about 10 times
   *     the median
   */
  record LogNormal(Duration median, double sigma) implements Jitter {
    /** Validates the fields. */
    public LogNormal {
      Objects.requireNonNull(median, "median");
      if (median.isNegative() || median.isZero()) {
        throw new IllegalArgumentException("median must be positive");
      }
      if (!(sigma >= 0) || Double.isInfinite(sigma)) {
        throw new IllegalArgumentException("sigma must be finite and not negative, got " + sigma);
      }
    }

    @Override
    public long sampleNanos(SplittableRandom random) {
      return (long) (median.toNanos() * Math.exp(sigma * gaussian(random)));
    }
  }

  /** A standard normal sample (Box-Muller; one of the pair is discarded to stay stateless). */
  static double gaussian(SplittableRandom random) {
    double u1 = 1.0 - random.nextDouble(); // (0, 1]: log is finite
    double u2 = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
