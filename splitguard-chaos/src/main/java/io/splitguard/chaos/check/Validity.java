package io.splitguard.chaos.check;

/** A checker's verdict. */
public enum Validity {
  /** The history satisfies the property. */
  VALID,
  /** The checker gave up (search budget exhausted) before deciding; not a pass. */
  UNKNOWN,
  /** The history violates the property; the verdict lists the violations. */
  INVALID;

  /** The worse of two verdicts: INVALID over UNKNOWN over VALID. */
  public Validity and(Validity other) {
    return compareTo(other) >= 0 ? this : other;
  }
}
