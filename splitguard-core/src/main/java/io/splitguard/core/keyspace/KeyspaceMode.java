package io.splitguard.core.keyspace;

// Ordinals are written to the replicated log and snapshots (KeyspaceCodec): append new constants
// at the end, never reorder or remove.
/** What a keyspace does when the network splits (DESIGN section 2). */
public enum KeyspaceMode {
  /** Writes and linearizable reads only where a Raft quorum is reachable. */
  CP,
  /** Like {@link #CP}, but a minority still serves reads of its local state, marked stale. */
  CP_STALE_READS,
  /** Writable on every side; reconciled after the heal by the keyspace's merge policy. */
  AP;

  /** Whether values live in the CP registry (quorum needed to write). */
  public boolean isCp() {
    return this != AP;
  }
}
