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
  private final long thresholdNanos;
  private volatile long lastTickNanos;
  private volatile boolean paused;
  private volatile long lastPauseEndNanos;
  private long largestGapSinceDrain;

  /**
   * @param tickNanos how often the watchdog thread wakes up
   * @param thresholdNanos a gap longer than this is a pause
   * @param startNanos monotonic time at start
   */
  public PauseWatchdog(long tickNanos, long thresholdNanos, long startNanos) {
    this.tickNanos = tickNanos;
    this.thresholdNanos = thresholdNanos;
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
    if (gap > thresholdNanos) {
      lastPauseEndNanos = nowNanos;
      paused = true;
    }
    largestGapSinceDrain = Math.max(largestGapSinceDrain, gap);
    return gap;
  }

  /** The largest gap recorded since the previous call, then resets it: for the fencing loop. */
  public synchronized long drainLargestGap() {
    long g = largestGapSinceDrain;
    largestGapSinceDrain = 0;
    return g;
  }

  /**
   * Whether, at {@code nowNanos}, the process is in a pause longer than the threshold or came back
   * from one less than {@code quarantineNanos} ago. This is what the write gate asks: it does not
   * depend on any other thread having run since the resume.
   */
  public boolean pausedOrQuarantined(long nowNanos, long quarantineNanos) {
    if (overdueNanos(nowNanos) > thresholdNanos) {
      return true;
    }
    return paused && nowNanos - lastPauseEndNanos < quarantineNanos;
  }

  /** Whether a pause ended within {@code windowNanos} before {@code nowNanos}, or one is under way. */
  public boolean pausedWithin(long nowNanos, long windowNanos) {
    return overdueNanos(nowNanos) > thresholdNanos || (paused && nowNanos - lastPauseEndNanos < windowNanos);
  }

  /** How far past its next expected wake-up the watchdog is at {@code nowNanos} (0 if not late). */
  public long overdueNanos(long nowNanos) {
    return Math.max(0, nowNanos - lastTickNanos - tickNanos);
  }
}
