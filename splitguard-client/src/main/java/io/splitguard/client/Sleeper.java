package io.splitguard.client;

import java.time.Duration;

/**
 * Waits between retries. The client never calls {@link Thread#sleep} directly, so tests can
 * supply a sleeper that only records the requested delays (and advances a fake {@link Ticker}).
 *
 * <p>Called on the thread that issued the request; implementations must be safe for concurrent
 * use if the client is shared between threads.
 */
@FunctionalInterface
public interface Sleeper {

  /**
   * Blocks the calling thread for {@code duration}.
   *
   * @param duration how long to wait; never negative
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  void sleep(Duration duration) throws InterruptedException;

  /** A sleeper that really blocks the thread. */
  static Sleeper system() {
    return SystemTime.INSTANCE;
  }
}
