package io.splitguard.chaos.run;

import java.util.Locale;

/** The {@code type} of a history event, as Jepsen names them. */
public enum OpType {
  /** The client is about to send the operation. */
  INVOKE,
  /** The operation took effect (a read's value is the value read). */
  OK,
  /** The operation certainly did not take effect. */
  FAIL,
  /** The outcome is unknown: it may take effect at any later time, or never. */
  INFO;

  /** The name in the history file: {@code invoke}, {@code ok}, {@code fail}, {@code info}. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
