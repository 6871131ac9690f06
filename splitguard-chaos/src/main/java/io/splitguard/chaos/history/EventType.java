package io.splitguard.chaos.history;

import java.util.Locale;

/** The {@code type} field of an event: a call, or one of the three ways a call can end. */
public enum EventType {
  /** The client is about to send the request. */
  INVOKE,
  /** The operation took effect and the client was told so (for a read: the value it saw). */
  OK,
  /** The operation certainly did not take effect (refused before submission, CAS conflict). */
  FAIL,
  /** The outcome is unknown (timeout, connection lost): it may take effect at any later time. */
  INFO;

  /** The spelling used in history files: {@code invoke}, {@code ok}, {@code fail}, {@code info}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether this type ends an operation ({@code ok}, {@code fail} or {@code info}). */
  public boolean isCompletion() {
    return this != INVOKE;
  }

  /**
   * Parses a wire name.
   *
   * @throws IllegalArgumentException when {@code name} is not one of the four types
   */
  public static EventType fromWire(String name) {
    for (EventType t : values()) {
      if (t.wireName().equals(name)) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "expected \"invoke\", \"ok\", \"fail\" or \"info\", got \"" + name + "\"");
  }
}
