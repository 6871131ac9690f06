package io.splitguard.core.registry;

import io.splitguard.core.cluster.NodeId;
import java.util.Optional;

/** The request certainly did not take effect: no leader could be reached to take it. */
public final class NoLeaderException extends RegistryException {
  private static final long serialVersionUID = 1L;
  private final transient Optional<NodeId> leaderHint;

  /** @param message what happened, @param leaderHint the last known leader, @param cause cause */
  public NoLeaderException(String message, Optional<NodeId> leaderHint, Throwable cause) {
    super(message, cause);
    this.leaderHint = leaderHint;
  }

  /** The last known leader, if any. */
  public Optional<NodeId> leaderHint() {
    return leaderHint;
  }
}
