package io.splitguard.chaos.check;

import java.util.List;
import java.util.Objects;

/**
 * One violation of a property, with the operations needed to see it.
 *
 * @param key the register key, guarded resource or lock name
 * @param kind a stable short name: {@code non-linearizable}, {@code lost-write}, {@code
 *     phantom-read}, {@code failed-write-read}, {@code future-read}, {@code token-regression},
 *     {@code token-mismatch}, {@code grant-order}
 * @param message what went wrong, in one or two sentences
 * @param window the operations involved, in invoke order, times relative to the history start
 * @param details further lines (e.g. the longest linearizable prefix), possibly empty
 */
public record Violation(
    String key, String kind, String message, List<WindowEntry> window, List<String> details) {

  /** Validates and copies. */
  public Violation {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(message, "message");
    window = List.copyOf(window);
    details = List.copyOf(details);
  }
}
