package io.splitguard.core.fencing;

/**
 * Notices that this process stopped running: a thread that should wake every {@code tick}
 * reports each wake-up here, and a gap much longer than the tick means the whole process was not
 * scheduled (a stop-the-world GC, SIGSTOP, a stalled VM).
 *
 * <p>Two ways to look: {@link #onTick} returns the gap when the watchdog thread runs again, and
 * {@link #overdueNanos} lets any other thread see, <em>before</em> the watchdog has run, that the
 * last tick is too old: after a resume every thread wakes at once, and a request handler may run
 * before the watchdog does. Time is passed in, so tests drive it.
 *
 * <p>Thread-safe.
 */
public final class PauseWatchdog {
  private final long tickNanos;
  private volatile long lastTickNanos;
  private long largestGapSinceDrain;

  /**
   * @param tickNanos how often the watchdog thread wakes up
   * @param startNanos monotonic time at start
   */
  public PauseWatchdog(long tickNanos, long startNanos) {
    this.tickNanos = tickNanos;
    this.lastTickNanos = startNanos;
  }

  /**
   * Records a wake-up of the watchdog thread.
   *
   * @return how much longer than one tick the thread was away (0 if on time)
   */
  public synchronized long onTick(long nowNanos) {
    long gap = Math.max(0, nowNanos - lastTickNanos - tickNanos);
    lastTickNanos = nowNanos;
    largestGapSinceDrain = Math.max(largestGapSinceDrain, gap);
    return gap;
  }

  /** The largest gap recorded since the previous call, then resets it: for the fencing loop. */
  public synchronized long drainLargestGap() {
    long g = largestGapSinceDrain;
    largestGapSinceDrain = 0;
    return g;
  }

  /** How far past its next expected wake-up the watchdog is at {@code nowNanos} (0 if not late). */
  public long overdueNanos(long nowNanos) {
    return Math.max(0, nowNanos - lastTickNanos - tickNanos);
  }
}
