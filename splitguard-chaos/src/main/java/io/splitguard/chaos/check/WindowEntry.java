package io.splitguard.chaos.check;

import java.util.Objects;

/**
 * One operation shown in a violation's window.
 *
 * @param process who performed it, e.g. {@code p3}
 * @param operation what it did, e.g. {@code write "v17"}, {@code read -> null}, {@code cas
 *     ["a", "b"]}, {@code guarded r1 token 42}
 * @param outcome {@code ok}, {@code fail} or {@code info} (never heard back, or timed out)
 * @param start when it was invoked, in nanoseconds since the start of the history; {@link
 *     Long#MIN_VALUE} when unknown
 * @param end when the client heard back, in nanoseconds since the start of the history; {@link
 *     Long#MAX_VALUE} when it never did
 * @param note why it is shown (e.g. "could not be linearized"), or empty
 */
public record WindowEntry(
    String process, String operation, String outcome, long start, long end, String note) {

  /** Validates the fields. */
  public WindowEntry {
    Objects.requireNonNull(process, "process");
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(outcome, "outcome");
    note = note == null ? "" : note;
  }

  /** A one-line rendering: {@code p3  write "v1"  ok  [+1.200ms, +2.004ms]  note}. */
  public String render() {
    String line = String.format("%-6s %-34s %-5s [%s, %s]", process, operation, outcome,
        Times.offset(start), end == Long.MAX_VALUE ? "never" : Times.offset(end));
    return note.isEmpty() ? line : line + "  <- " + note;
  }
}
