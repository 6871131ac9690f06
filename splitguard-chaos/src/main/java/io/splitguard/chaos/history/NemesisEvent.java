package io.splitguard.chaos.history;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A fault-injection event ({@code "process": "nemesis"}). Kept for reports; the checkers ignore it.
 *
 * @param type usually {@code info}
 * @param f free-form, e.g. {@code start} or {@code stop}
 * @param value free-form: a JSON string as its text, other JSON as compact JSON text, null when
 *     absent
 * @param time nanoseconds
 * @param extra unknown fields, see {@link HistoryEvent#extra()}
 */
public record NemesisEvent(EventType type, String f, String value, long time, Map<String, String> extra)
    implements HistoryEvent {

  /** Validates the non-null fields and copies {@code extra}. */
  public NemesisEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(f, "f");
    // Keep the file's field order so a read-then-write round trip is faithful.
    extra = extra == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extra));
  }

  /** An event without extra fields. */
  public NemesisEvent(EventType type, String f, String value, long time) {
    this(type, f, value, time, Map.of());
  }

  @Override
  public ProcessId process() {
    return ProcessId.NEMESIS;
  }
}
