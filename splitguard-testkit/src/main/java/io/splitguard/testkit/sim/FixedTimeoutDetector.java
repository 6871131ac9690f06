package io.splitguard.testkit.sim;

import java.time.Duration;
import java.util.Objects;

/**
 * The baseline the phi-accrual detector is compared with: a peer is suspected once nothing was
 * heard from it for a fixed timeout, whatever its history.
 *
 * <p>Pure and single-threaded; time is monotonic nanoseconds from the caller.
 */
public final class FixedTimeoutDetector {
  private final long timeoutNanos;
  private long lastArrivalNanos;
  private boolean started;

  /** @param timeout silence after which the peer is suspected; positive */
  public FixedTimeoutDetector(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
    this.timeoutNanos = timeout.toNanos();
  }

  /** Records a heartbeat; an arrival earlier than the latest one is ignored. */
  public void heartbeat(long nowNanos) {
    if (!started || nowNanos > lastArrivalNanos) {
      lastArrivalNanos = nowNanos;
    }
    started = true;
  }

  /** Whether any heartbeat arrived. */
  public boolean hasHeard() {
    return started;
  }

  /** Whether the peer is considered available: heard within the timeout. */
  public boolean isAvailable(long nowNanos) {
    return started && nowNanos - lastArrivalNanos < timeoutNanos;
  }

  /**
   * When the peer becomes suspected unless a heartbeat comes first.
   *
   * @throws IllegalStateException before the first heartbeat (it is suspected already)
   */
  public long suspicionTimeNanos() {
    if (!started) {
      throw new IllegalStateException("no heartbeat yet: the peer is suspected already");
    }
    return lastArrivalNanos + timeoutNanos;
  }
}
