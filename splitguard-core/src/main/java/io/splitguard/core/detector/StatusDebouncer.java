package io.splitguard.core.detector;

import java.time.Duration;
import java.util.Objects;

/**
 * Turns the raw {@link PartitionStatus} into a reported status that does not flap: the reported
 * status moves to a new value only after the raw status has been observed at that value,
 * without interruption, for {@code stableAfter} (Pekko's split-brain resolver calls the same
 * idea "stable-after").
 *
 * <p><b>Except loss of quorum.</b> A raw {@link PartitionStatus#PARTITIONED} is reported at once:
 * this node already refuses CP writes at that moment, and reporting HEALTHY next to
 * {@code PARTITIONED} errors would mislead operators. Leaving PARTITIONED is debounced like any
 * other change, so a reported PARTITIONED lasts at least {@code stableAfter}.
 *
 * <p><b>Not for the write gate.</b> The debounced status lags the detectors by design. Safety
 * decisions use the raw quorum ({@link PartitionDetector#hasQuorum(long)} or {@link
 * DebouncedView#quorum()}), which this class passes through untouched.
 *
 * <p>"Observed without interruption" is judged on the observations the caller makes: a change
 * needs an observation at the new value at least {@code stableAfter} after the first one, and no
 * other value in between. Callers observe periodically (every heartbeat interval, say), so the
 * reported status lags by between {@code stableAfter} and {@code stableAfter} plus one period.
 * A status that flickers between two values faster than {@code stableAfter} is never reported;
 * the previous one stays, which is the point.
 *
 * <p>Pure and single-threaded; time is monotonic nanoseconds from the caller and must not go
 * backwards.
 */
public final class StatusDebouncer {
  /** The default {@code stableAfter}: three heartbeat intervals of the {@code lan} profile. */
  public static final Duration DEFAULT_STABLE_AFTER = Duration.ofMillis(300);

  private final long stableAfterNanos;
  private PartitionStatus reported;
  private long reportedSinceNanos;
  private PartitionStatus candidate; // null when the raw status equals the reported one
  private long candidateSinceNanos;
  private long lastNanos;

  /**
   * @param stableAfter how long a new status must hold before it is reported; zero reports every
   *     change at once
   * @param initial the status to report until something else has been stable
   * @param nowNanos the time of construction
   */
  public StatusDebouncer(Duration stableAfter, PartitionStatus initial, long nowNanos) {
    Objects.requireNonNull(stableAfter, "stableAfter");
    Objects.requireNonNull(initial, "initial");
    if (stableAfter.isNegative()) {
      throw new IllegalArgumentException("stableAfter must not be negative, got " + stableAfter);
    }
    this.stableAfterNanos = stableAfter.toNanos();
    this.reported = initial;
    this.reportedSinceNanos = nowNanos;
    this.lastNanos = nowNanos;
  }

  /**
   * Records the raw status at {@code nowNanos} and returns the status to report.
   *
   * @throws IllegalArgumentException if time went backwards
   */
  public PartitionStatus observe(PartitionStatus raw, long nowNanos) {
    Objects.requireNonNull(raw, "raw");
    if (nowNanos < lastNanos) {
      throw new IllegalArgumentException(
          "time went backwards: " + nowNanos + " < " + lastNanos);
    }
    lastNanos = nowNanos;
    if (raw == reported) {
      candidate = null;
      return reported;
    }
    if (raw == PartitionStatus.PARTITIONED) {
      return change(raw, nowNanos); // never delay reporting the loss of quorum
    }
    if (raw != candidate) {
      candidate = raw;
      candidateSinceNanos = nowNanos;
    }
    if (nowNanos - candidateSinceNanos >= stableAfterNanos) {
      return change(raw, nowNanos);
    }
    return reported;
  }

  /**
   * Records {@code view}'s raw status and returns both: the raw view (with its undelayed quorum)
   * for safety decisions and the debounced status for reporting.
   */
  public DebouncedView observe(PartitionView view, long nowNanos) {
    PartitionStatus before = reported;
    PartitionStatus now = observe(view.status(), nowNanos);
    return new DebouncedView(view, now, reportedSinceNanos, now != before);
  }

  /** The status currently reported. */
  public PartitionStatus reported() {
    return reported;
  }

  /** When the reported status last changed (or the construction time). */
  public long reportedSinceNanos() {
    return reportedSinceNanos;
  }

  private PartitionStatus change(PartitionStatus to, long nowNanos) {
    reported = to;
    reportedSinceNanos = nowNanos;
    candidate = null;
    return to;
  }

  /**
   * The raw view next to the debounced status.
   *
   * @param raw the detector's view, undelayed
   * @param reported the debounced status, for status pages, metrics and logs
   * @param reportedSinceNanos when {@code reported} took its current value
   * @param changed whether this observation changed {@code reported}
   */
  public record DebouncedView(
      PartitionView raw, PartitionStatus reported, long reportedSinceNanos, boolean changed) {
    /** Validates the fields. */
    public DebouncedView {
      Objects.requireNonNull(raw, "raw");
      Objects.requireNonNull(reported, "reported");
    }

    /** The raw quorum: whether CP writes may be accepted now. Never debounced. */
    public boolean quorum() {
      return raw.quorum();
    }
  }
}
