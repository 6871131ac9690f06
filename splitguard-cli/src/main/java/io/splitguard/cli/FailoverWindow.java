package io.splitguard.cli;

import java.util.List;
import java.util.Optional;

/**
 * The unavailability window of one fault as a writing client saw it: from the last write
 * acknowledged before the fault to the first write acknowledged after it. Pure arithmetic over
 * the client's record of its writes, so that it can be tested without a cluster.
 *
 * <p>A write counts as "after the fault" only if it was <em>sent</em> after the fault took effect
 * (the leader killed and reaped, or SIGSTOP delivered). A
 * write in flight when the fault struck may be answered a moment later from data the failed
 * leader had already committed (its answer still sitting in a socket buffer), and counting it
 * would report a window of almost nothing. Such writes are left out of the window, not out of the
 * lost-write check.
 */
final class FailoverWindow {

  private FailoverWindow() {}

  /**
   * One write as the client recorded it.
   *
   * @param startNanos when the request was sent (monotonic clock)
   * @param endNanos when its answer (or failure) arrived
   * @param acknowledged whether the store confirmed the write
   */
  record Write(long startNanos, long endNanos, boolean acknowledged) {}

  /**
   * A measured window.
   *
   * @param lastAckBeforeNanos when the last write acknowledged before the fault was answered
   * @param firstAckAfterNanos when the first write sent after the fault was acknowledged
   */
  record Window(long lastAckBeforeNanos, long firstAckAfterNanos) {
    /** The window's length. */
    long nanos() {
      return firstAckAfterNanos - lastAckBeforeNanos;
    }
  }

  /**
   * The window around a fault that began at {@code faultNanos}; empty if no write was acknowledged
   * before it or none sent after it was acknowledged (the cluster did not recover in time).
   */
  static Optional<Window> of(List<Write> writes, long faultNanos) {
    long lastBefore = Long.MIN_VALUE;
    long firstAfter = Long.MAX_VALUE;
    for (Write w : writes) {
      if (!w.acknowledged()) {
        continue;
      }
      if (w.endNanos() <= faultNanos) {
        lastBefore = Math.max(lastBefore, w.endNanos());
      } else if (w.startNanos() >= faultNanos) {
        firstAfter = Math.min(firstAfter, w.endNanos());
      }
    }
    if (lastBefore == Long.MIN_VALUE || firstAfter == Long.MAX_VALUE) {
      return Optional.empty();
    }
    return Optional.of(new Window(lastBefore, firstAfter));
  }

  /**
   * The median of {@code values}: the middle one, or the mean of the two middle ones for an even
   * count; NaN for none.
   */
  static double median(List<? extends Number> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    double[] sorted = values.stream().mapToDouble(Number::doubleValue).sorted().toArray();
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
  }
}
