package io.splitguard.client;

/**
 * A monotonic nanosecond clock that measures the overall deadline of each call. Replaceable so
 * that tests can pair it with a fake {@link Sleeper} and exhaust a deadline without waiting.
 */
@FunctionalInterface
public interface Ticker {

  /**
   * The current time in nanoseconds from an arbitrary origin, like {@link System#nanoTime()}:
   * only differences between two readings are meaningful.
   */
  long nanoTime();

  /** The ticker backed by {@link System#nanoTime()}. */
  static Ticker system() {
    return SystemTime.INSTANCE;
  }
}
