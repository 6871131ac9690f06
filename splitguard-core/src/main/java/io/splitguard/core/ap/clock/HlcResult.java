package io.splitguard.core.ap.clock;

import java.util.Objects;

/**
 * What {@link HlcClock} answers: a timestamp, or a refusal that says why with the numbers. A
 * refusal is an expected outcome (an operator has to fix a clock), hence a value and not an
 * exception; {@link #orThrow()} converts for callers that cannot go on.
 */
public sealed interface HlcResult permits HlcResult.Stamped, HlcResult.Refused {

  /** The timestamp, or {@link ClockSkewException} with the refusal's message. */
  Hlc orThrow();

  /**
   * A timestamp was issued.
   *
   * @param stamp the new timestamp, greater than every timestamp this clock issued or received
   */
  record Stamped(Hlc stamp) implements HlcResult {
    /** Validates the field. */
    public Stamped {
      Objects.requireNonNull(stamp, "stamp");
    }

    @Override
    public Hlc orThrow() {
      return stamp;
    }
  }

  /** Why a clock refused. */
  enum Reason {
    /** The local wall clock is further behind the highest HLC time seen than the bound allows. */
    LOCAL_CLOCK_BEHIND,
    /** A received timestamp is further ahead of the local wall clock than the bound allows. */
    REMOTE_CLOCK_AHEAD,
    /** The logical counter would overflow (the wall clock has not advanced for 2^31 events). */
    LOGICAL_OVERFLOW
  }

  /**
   * No timestamp was issued and the clock's state is unchanged.
   *
   * @param reason which bound was crossed
   * @param wallMs the local wall clock passed in
   * @param otherMs the physical time it was compared with: the highest seen (for {@code
   *     LOCAL_CLOCK_BEHIND} and {@code LOGICAL_OVERFLOW}) or the remote stamp's
   * @param maxOffsetMs the configured bound
   */
  record Refused(Reason reason, long wallMs, long otherMs, long maxOffsetMs) implements HlcResult {
    /** Validates the field. */
    public Refused {
      Objects.requireNonNull(reason, "reason");
    }

    /** How far apart the two clocks are, in milliseconds (positive). */
    public long offsetMs() {
      return Math.abs(otherMs - wallMs);
    }

    /** A sentence for logs and error responses. */
    public String message() {
      switch (reason) {
        case LOCAL_CLOCK_BEHIND:
          return "refusing to stamp: local wall clock " + wallMs + " ms is " + offsetMs()
              + " ms behind the highest HLC time seen " + otherMs + " ms (max offset "
              + maxOffsetMs + " ms); check this node's clock synchronisation";
        case REMOTE_CLOCK_AHEAD:
          return "refusing remote timestamp: its physical time " + otherMs + " ms is " + offsetMs()
              + " ms ahead of local wall clock " + wallMs + " ms (max offset " + maxOffsetMs
              + " ms); the sender's clock or this node's is off";
        default:
          return "refusing to stamp: HLC logical counter exhausted at physical time " + otherMs
              + " ms while the wall clock stays at " + wallMs + " ms";
      }
    }

    @Override
    public Hlc orThrow() {
      throw new ClockSkewException(this);
    }
  }
}
