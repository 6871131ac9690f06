package io.splitguard.core.keyspace;

// Ordinals are written to the replicated log and snapshots (KeyspaceCodec): append new constants
// at the end, never reorder or remove.
/** How an {@link KeyspaceMode#AP} keyspace reconciles what both sides of a partition wrote. */
public enum MergePolicy {
  /** Last writer wins by hybrid logical clock; every loser is audited. */
  LWW,
  /** Typed values that merge: PN-counters, add-wins OR-sets, multi-value registers. */
  CRDT,
  /** Concurrent writes become a flagged conflict, kept as siblings until resolved. */
  MANUAL
}
