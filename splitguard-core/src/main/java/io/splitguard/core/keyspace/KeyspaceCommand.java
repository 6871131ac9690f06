package io.splitguard.core.keyspace;

import java.util.Objects;
import java.util.Optional;

/** A change to the keyspace declarations, proposed through consensus. */
public sealed interface KeyspaceCommand permits KeyspaceCommand.Declare {

  /**
   * Declares a keyspace, or confirms an existing declaration. Validated like {@link Keyspace}.
   *
   * @param name the keyspace name
   * @param mode the partition strategy
   * @param merge the merge policy, present exactly for AP
   * @param graceMs the MANUAL grace period, 0 for other policies
   */
  record Declare(String name, KeyspaceMode mode, Optional<MergePolicy> merge, long graceMs)
      implements KeyspaceCommand {
    /** Validates the fields (by building the keyspace they describe). */
    public Declare {
      Objects.requireNonNull(merge, "merge");
      new Keyspace(name, mode, merge, graceMs, 0);
    }

    /** The keyspace this declaration creates at {@code revision}. */
    public Keyspace at(long revision) {
      return new Keyspace(name, mode, merge, graceMs, revision);
    }
  }
}
