package io.splitguard.chaos.history;

import java.util.Map;

/** One line of a history file: a {@link ClientEvent} or a {@link NemesisEvent}. */
public sealed interface HistoryEvent permits ClientEvent, NemesisEvent {

  /** Who produced the event. */
  ProcessId process();

  /** The {@code type} field. */
  EventType type();

  /** The {@code time} field: nanoseconds on the runner's monotonic clock. */
  long time();

  /**
   * Fields the format does not define ({@code node}, {@code error}, {@code revision}, ...): a
   * string field as its text, anything else as compact JSON. Never interpreted by the checkers.
   */
  Map<String, String> extra();
}
