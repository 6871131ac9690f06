package io.splitguard.chaos.history;

import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * An invoke paired with its completion.
 *
 * @param id position of the invoke among all client invokes of the history it was paired from,
 *     from 0 (a filtered history, see {@link History#only}, keeps the ids)
 * @param process the client process
 * @param f the function
 * @param key the register's key, the lock's name or the guarded resource
 * @param input the invoke's value (the string written, the CAS pair, {@code null} for a read, the
 *     owner for an acquire)
 * @param output the completion's value (for an {@code ok} read: the value read); {@link
 *     Value#MISSING} when there is no completion
 * @param outcome ok, fail, or info (also for an invoke never completed)
 * @param invokeTime nanoseconds
 * @param endTime when the client heard back (nanoseconds), or {@link Long#MAX_VALUE} when it never
 *     did; for an {@code info} op this is when the client gave up, not a bound on the effect — use
 *     {@link #completeTime()} for that
 * @param token the fencing token: presented by a {@code release} or {@code guarded-write}, granted
 *     to an {@code ok} acquire, read by an {@code ok} guarded-read of a written resource; empty
 *     otherwise
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
    long endTime,
    OptionalLong token) {

  /** Stands for +infinity in {@link #completeTime()}. */
  public static final long NEVER = Long.MAX_VALUE;

  /** Validates the fields. */
  public Operation {
    Objects.requireNonNull(f, "f");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(token, "token");
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
    if (f == Fn.GUARDED_WRITE && !(input instanceof Value.Text)) {
      throw new IllegalArgumentException("a guarded-write's input must be a string, got " + input);
    }
    if ((f == Fn.GUARDED_WRITE || f == Fn.RELEASE) && token.isEmpty()) {
      throw new IllegalArgumentException("a " + f.wireName() + " needs the token it presented");
    }
  }

  /** An operation without a token (a register operation). */
  public Operation(int id, int process, Fn f, String key, Value input, Value output, Outcome outcome,
      long invokeTime, long endTime) {
    this(id, process, f, key, input, output, outcome, invokeTime, endTime, OptionalLong.empty());
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
   * The value this operation writes when it takes effect (a write's or guarded-write's string, a
   * CAS's new value), or null for any other operation. Note that null is also a possible written
   * value (a CAS to missing); use {@link #writes()} to tell.
   */
  public String written() {
    return switch (f) {
      case WRITE, GUARDED_WRITE -> input.text();
      case CAS -> ((Value.Swap) input).replacement();
      case READ, GUARDED_READ, ACQUIRE, RELEASE -> null;
    };
  }

  /**
   * Whether this operation can change its register: a write or a CAS (the register checkers' only
   * writers), or a guarded-write (for the guarded-resource checks). Lock operations change the
   * lock table, not a register, and do not count.
   */
  public boolean writes() {
    return f == Fn.WRITE || f == Fn.CAS || f == Fn.GUARDED_WRITE;
  }

  /**
   * The call without process or outcome, as reports show it: {@code write "v1"}, {@code read ->
   * "v1"}, {@code guarded-write "v2" token 42}, {@code acquire lock1 -> token 42}.
   */
  public String call() {
    return switch (f) {
      case READ -> "read" + (outcome == Outcome.OK ? " -> " + output : "");
      case WRITE -> "write " + input;
      case CAS -> "cas " + input;
      case ACQUIRE -> "acquire " + key + (token.isPresent() ? " -> token " + token.getAsLong() : "");
      case RELEASE -> "release " + key + " token " + token.getAsLong();
      case GUARDED_WRITE -> "guarded-write " + input + " token " + token.getAsLong();
      case GUARDED_READ -> "guarded-read" + (outcome == Outcome.OK ? " -> " + output
          + (token.isPresent() ? " token " + token.getAsLong() : "") : "");
    };
  }

  @Override
  public String toString() {
    return "p" + process + " " + call() + " " + outcome.name().toLowerCase(Locale.ROOT);
  }
}
