package io.splitguard.core.keyspace;

import java.util.Objects;

/** The outcome of a {@link KeyspaceCommand}. */
public sealed interface KeyspaceResult
    permits KeyspaceResult.Declared, KeyspaceResult.Unchanged, KeyspaceResult.Refused {

  /** The registry revision after the command. */
  long revision();

  /**
   * The keyspace was created, or its grace period changed.
   *
   * @param keyspace the keyspace as now declared
   * @param created whether it did not exist before
   * @param revision the registry revision after the change
   */
  record Declared(Keyspace keyspace, boolean created, long revision) implements KeyspaceResult {
    /** Validates the fields. */
    public Declared {
      Objects.requireNonNull(keyspace, "keyspace");
    }
  }

  /**
   * The declaration repeats the existing one; nothing changed.
   *
   * @param keyspace the existing keyspace
   * @param revision the registry revision (unchanged)
   */
  record Unchanged(Keyspace keyspace, long revision) implements KeyspaceResult {
    /** Validates the fields. */
    public Unchanged {
      Objects.requireNonNull(keyspace, "keyspace");
    }
  }

  /**
   * Refused: the keyspace exists with a different mode or merge policy. Changing the strategy of
   * live data is unsafe (values written under one rule would be read under another), so it takes a
   * new keyspace.
   *
   * @param existing the keyspace as declared
   * @param requested the refused declaration
   * @param revision the registry revision (unchanged)
   */
  record Refused(Keyspace existing, KeyspaceCommand.Declare requested, long revision) implements KeyspaceResult {
    /** Validates the fields. */
    public Refused {
      Objects.requireNonNull(existing, "existing");
      Objects.requireNonNull(requested, "requested");
    }
  }
}
