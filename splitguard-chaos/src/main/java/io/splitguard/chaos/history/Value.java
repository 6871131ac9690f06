package io.splitguard.chaos.history;

import java.util.Objects;

/**
 * The {@code value} field of a client event: JSON {@code null}, a string, or a CAS pair {@code
 * [expected, new]}. A register's state is a string or null (missing), so these three shapes cover
 * every operation of the register workload.
 */
public sealed interface Value permits Value.Missing, Value.Text, Value.Swap {

  /** JSON {@code null} (or an absent field): a read invoke, or a read of a missing key. */
  Missing MISSING = new Missing();

  /** {@link #MISSING} for null, a {@link Text} otherwise. */
  static Value of(String text) {
    return text == null ? MISSING : new Text(text);
  }

  /** A CAS pair; either side may be null, meaning "missing". */
  static Swap cas(String expected, String replacement) {
    return new Swap(expected, replacement);
  }

  /**
   * The register value this denotes, for {@link Missing} (null) and {@link Text}.
   *
   * @throws IllegalStateException for a {@link Swap}
   */
  String text();

  /** JSON {@code null}. */
  record Missing() implements Value {
    @Override
    public String text() {
      return null;
    }

    @Override
    public String toString() {
      return "null";
    }
  }

  /**
   * A string value.
   *
   * @param text never null
   */
  record Text(String text) implements Value {
    /** Rejects null: use {@link Value#MISSING}. */
    public Text {
      Objects.requireNonNull(text, "text (use Value.MISSING for null)");
    }

    @Override
    public String toString() {
      return Describe.quote(text);
    }
  }

  /**
   * A compare-and-set's {@code [expected, new]}.
   *
   * @param expected the value the register must hold for the CAS to apply; null = missing
   * @param replacement the value it then holds; null = missing
   */
  record Swap(String expected, String replacement) implements Value {
    @Override
    public String text() {
      throw new IllegalStateException("a CAS pair is not a register value: " + this);
    }

    @Override
    public String toString() {
      return "[" + Describe.quote(expected) + ", " + Describe.quote(replacement) + "]";
    }
  }
}
