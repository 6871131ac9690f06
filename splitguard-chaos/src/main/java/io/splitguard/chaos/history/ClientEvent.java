package io.splitguard.chaos.history;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * An event of a client process: an invoke or a completion of a register, lock or guarded-resource
 * operation.
 *
 * @param client the {@code process} field
 * @param type invoke, ok, fail or info
 * @param f the function
 * @param key the register's key, the lock's name or the guarded resource
 * @param value the {@code value} field ({@link Value#MISSING} when null or absent)
 * @param time nanoseconds
 * @param token the {@code token} field: a fencing token presented ({@code release}, {@code
 *     guarded-write} invokes), granted ({@code acquire} ok) or read ({@code guarded-read} ok);
 *     empty for register operations
 * @param extra unknown fields, see {@link HistoryEvent#extra()}
 */
public record ClientEvent(
    int client, EventType type, Fn f, String key, Value value, long time, OptionalLong token,
    Map<String, String> extra)
    implements HistoryEvent {

  /** Validates the non-null fields and copies {@code extra}. */
  public ClientEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(f, "f");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(token, "token");
    // Keep the file's field order so a read-then-write round trip is faithful.
    extra = extra == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extra));
  }

  /** An event without a token (a register operation). */
  public ClientEvent(
      int client, EventType type, Fn f, String key, Value value, long time, Map<String, String> extra) {
    this(client, type, f, key, value, time, OptionalLong.empty(), extra);
  }

  /** An event without a token or extra fields. */
  public ClientEvent(int client, EventType type, Fn f, String key, Value value, long time) {
    this(client, type, f, key, value, time, OptionalLong.empty(), Map.of());
  }

  @Override
  public ProcessId process() {
    return ProcessId.client(client);
  }
}
