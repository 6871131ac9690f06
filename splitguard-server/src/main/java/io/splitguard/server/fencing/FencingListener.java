package io.splitguard.server.fencing;

import io.splitguard.core.fencing.FenceReason;

/**
 * In-process fencing actuator: code embedding a node is told when the node fences itself (stop
 * acting as primary now) and when it may accept writes again. Called on the fencing thread, in
 * order; implementations must return quickly (hand long work to their own threads).
 */
public interface FencingListener {

  /** The node fenced itself; its write gate is already closed. */
  void onFenced(FenceReason reason, long term, boolean wasLeader);

  /** The node is no longer fenced. */
  default void onUnfenced() {}
}
