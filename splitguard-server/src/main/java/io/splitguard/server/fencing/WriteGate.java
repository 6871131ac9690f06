package io.splitguard.server.fencing;

import io.splitguard.core.fencing.FenceReason;
import java.util.Optional;

/** What the HTTP API asks before a write or linearizable read: is this node fenced? */
public interface WriteGate {

  /** Why writes must be refused right now, if they must. */
  Optional<FenceReason> refusal();

  /** Self-fencing status for {@code /v1/status}. */
  FenceStatus status();

  /** A gate that never refuses, for tests of the API alone. */
  WriteGate OPEN = new WriteGate() {
    @Override
    public Optional<FenceReason> refusal() {
      return Optional.empty();
    }

    @Override
    public FenceStatus status() {
      return FenceStatus.NONE;
    }
  };
}
