package io.splitguard.core.ap.clock;

import java.util.Objects;

/** Thrown by {@link HlcResult#orThrow()} when a clock refused to stamp; carries the refusal. */
public final class ClockSkewException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient HlcResult.Refused refusal;

  /** Wraps {@code refusal}. */
  public ClockSkewException(HlcResult.Refused refusal) {
    super(Objects.requireNonNull(refusal, "refusal").message());
    this.refusal = refusal;
  }

  /** The refusal, with its numbers. */
  public HlcResult.Refused refusal() {
    return refusal;
  }
}
