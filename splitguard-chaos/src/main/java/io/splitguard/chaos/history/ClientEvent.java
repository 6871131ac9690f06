package io.splitguard.chaos.history;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An event of a client process: an invoke or a completion of a register operation.
 *
 * @param client the {@code process} field
 * @param type invoke, ok, fail or info
 * @param f the function
 * @param key the register's key
 * @param value the {@code value} field ({@link Value#MISSING} when null or absent)
 * @param time nanoseconds
 * @param extra unknown fields, see {@link HistoryEvent#extra()}
 */
public record ClientEvent(
    int client, EventType type, Fn f, String key, Value value, long time, Map<String, String> extra)
    implements HistoryEvent {

  /** Validates the non-null fields and copies {@code extra}. */
  public ClientEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(f, "f");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    // Keep the file's field order so a read-then-write round trip is faithful.
    extra = extra == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extra));
  }

  /** An event without extra fields. */
  public ClientEvent(int client, EventType type, Fn f, String key, Value value, long time) {
    this(client, type, f, key, value, time, Map.of());
  }

  @Override
  public ProcessId process() {
    return ProcessId.client(client);
  }
}
