package io.splitguard.core.ap.clock;

/** How two vector clocks relate. */
public enum Causality {
  /** Every event the left side has seen, the right side has too, and the right has seen more. */
  BEFORE,
  /** The mirror of {@link #BEFORE}. */
  AFTER,
  /** Both have seen exactly the same events. */
  EQUAL,
  /** Each has seen an event the other has not: concurrent writes. */
  CONCURRENT;

  /** The relation seen from the other side. */
  public Causality inverse() {
    switch (this) {
      case BEFORE:
        return AFTER;
      case AFTER:
        return BEFORE;
      default:
        return this;
    }
  }
}
