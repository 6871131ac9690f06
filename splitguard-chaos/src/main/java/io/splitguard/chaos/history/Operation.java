package io.splitguard.chaos.history;

import java.util.Locale;
import java.util.Objects;

/**
 * An invoke paired with its completion.
 *
 * @param id position of the invoke among all client invokes of the history, from 0
 * @param process the client process
 * @param f the function
 * @param key the register's key
 * @param input the invoke's value (the string written, the CAS pair, {@code null} for a read)
 * @param output the completion's value (for an {@code ok} read: the value read); {@link
 *     Value#MISSING} when there is no completion
 * @param outcome ok, fail, or info (also for an invoke never completed)
 * @param invokeTime nanoseconds
 * @param endTime when the client heard back (nanoseconds), or {@link Long#MAX_VALUE} when it never
 *     did; for an {@code info} op this is when the client gave up, not a bound on the effect — use
 *     {@link #completeTime()} for that
 */
public record Operation(
    int id,
    int process,
    Fn f,
    String key,
    Value input,
    Value output,
    Outcome outcome,
    long invokeTime,
    long endTime) {

  /** Stands for +infinity in {@link #completeTime()}. */
  public static final long NEVER = Long.MAX_VALUE;

  /** Validates the fields. */
  public Operation {
    Objects.requireNonNull(f, "f");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(outcome, "outcome");
    if (endTime < invokeTime) {
      throw new IllegalArgumentException("operation ends before it starts: " + invokeTime + " > " + endTime);
    }
    // The checkers rely on these shapes; catching a mismatch here beats a ClassCastException later.
    if (f == Fn.WRITE && !(input instanceof Value.Text)) {
      throw new IllegalArgumentException("a write's input must be a string, got " + input);
    }
    if (f == Fn.CAS && !(input instanceof Value.Swap)) {
      throw new IllegalArgumentException("a cas's input must be [expected, new], got " + input);
    }
  }

  /**
   * The latest time the operation can have taken effect: {@link #endTime()} for {@code ok} and
   * {@code fail}, {@link #NEVER} (+infinity) for {@code info}, which may take effect at any later
   * time.
   */
  public long completeTime() {
    return outcome == Outcome.INFO ? NEVER : endTime;
  }

  /**
   * The register value this operation writes when it takes effect (a write's string, a CAS's new
   * value), or null for a read. Note that null is also a possible written value (a CAS to
   * missing); use {@link #writes()} to tell.
   */
  public String written() {
    return switch (f) {
      case READ -> null;
      case WRITE -> input.text();
      case CAS -> ((Value.Swap) input).replacement();
    };
  }

  /** Whether this operation can change the register (a write or a CAS). */
  public boolean writes() {
    return f != Fn.READ;
  }

  @Override
  public String toString() {
    String what = switch (f) {
      case READ -> "read" + (outcome == Outcome.OK ? " -> " + output : "");
      case WRITE -> "write " + input;
      case CAS -> "cas " + input;
    };
    return "p" + process + " " + what + " " + outcome.name().toLowerCase(Locale.ROOT);
  }
}
