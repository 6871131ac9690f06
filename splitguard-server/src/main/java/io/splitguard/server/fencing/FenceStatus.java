package io.splitguard.server.fencing;

import io.splitguard.core.fencing.FenceReason;
import java.util.Optional;

/**
 * Self-fencing as {@code /v1/status} shows it.
 *
 * @param reason why the node is fenced; empty when it is not
 * @param fencedForMs how long it has been fenced (0 when not)
 * @param primary whether it holds the fence file (leads with a quorum)
 * @param fencings how many times this node fenced itself since it started
 * @param splitBrainSuspicions how many times it learned of a newer term while holding the fence
 *     file (see {@code split_brain_detected})
 */
public record FenceStatus(
    Optional<FenceReason> reason, long fencedForMs, boolean primary, long fencings, long splitBrainSuspicions) {
  /** A status without counters. */
  public FenceStatus(Optional<FenceReason> reason, long fencedForMs, boolean primary) {
    this(reason, fencedForMs, primary, 0, 0);
  }

  /** Whether the node is fenced. */
  public boolean fenced() {
    return reason.isPresent();
  }

  /** Never fenced, never primary: for API tests without fencing. */
  public static final FenceStatus NONE = new FenceStatus(Optional.empty(), 0, false);
}
