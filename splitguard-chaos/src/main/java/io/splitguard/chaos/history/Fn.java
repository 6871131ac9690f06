package io.splitguard.chaos.history;

import java.util.Locale;

/** The function a client operation applies to a register: the {@code f} field of a client event. */
public enum Fn {
  /** Read the key; the {@code ok} completion carries the value read, or null when missing. */
  READ,
  /** Write a string; the invoke carries the value. */
  WRITE,
  /** Compare-and-set; the invoke carries {@code [expected, new]}. */
  CAS;

  /** The spelling used in history files: {@code read}, {@code write}, {@code cas}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a wire name.
   *
   * @throws IllegalArgumentException when {@code name} is not {@code read}, {@code write} or
   *     {@code cas}
   */
  public static Fn fromWire(String name) {
    for (Fn f : values()) {
      if (f.wireName().equals(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException("expected \"read\", \"write\" or \"cas\", got \"" + name + "\"");
  }
}
