package io.splitguard.core.fencing;

/**
 * What {@link FencingPolicy} asks the node to do, in order. The policy decides; the node's
 * adapters touch files, run commands and talk to Raft.
 */
public sealed interface FencingAction {

  /** This node now leads with a quorum: write the fence file, naming the term. */
  record CreateFenceFile(long term) implements FencingAction {}

  /** This node may no longer act as primary: delete the fence file. */
  record RemoveFenceFile(String why) implements FencingAction {}

  /** Give up Raft leadership of {@code term}. */
  record StepDown(long term) implements FencingAction {}

  /**
   * The node fenced itself: close the write gate (already closed when this is returned), run the
   * fence command and tell listeners.
   *
   * @param wasLeader whether it was the Raft leader when it fenced
   * @param detail the numbers behind the decision, for logs and the audit line
   */
  record Fence(FenceReason reason, long term, boolean wasLeader, String detail) implements FencingAction {}

  /** The reason for being fenced changed while fenced (no actuator runs again). */
  record ReasonChanged(FenceReason from, FenceReason to) implements FencingAction {}

  /** The node may accept writes again. */
  record Unfence(FenceReason previous, long fencedForNanos) implements FencingAction {}

  /** The process was paused: record it (a {@link Fence} follows if not fenced already). */
  record PauseDetected(long pauseNanos) implements FencingAction {}

  /**
   * This node held the fence file for {@code primaryTerm} when it learned of the higher {@code
   * term}: someone started an election while this node still believed it led. Fence before elect
   * did not hold; operators must be told.
   */
  record SplitBrainSuspected(long primaryTerm, long term) implements FencingAction {}
}
