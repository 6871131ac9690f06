package io.splitguard.chaos.history;

/** How an {@link Operation} ended. */
public enum Outcome {
  /** Took effect, and the client saw the result. */
  OK,
  /** Certainly did not take effect; the checkers drop it. */
  FAIL,
  /**
   * Unknown: an {@code info} completion or no completion at all. The operation may take effect at
   * any time after its invoke, or never.
   */
  INFO
}
