package io.splitguard.core.keyspace;

/** How an {@link KeyspaceMode#AP} keyspace reconciles what both sides of a partition wrote. */
public enum MergePolicy {
  /** Last writer wins by hybrid logical clock; every loser is audited. */
  LWW,
  /** Typed values that merge: PN-counters, add-wins OR-sets, multi-value registers. */
  CRDT,
  /** Concurrent writes become a flagged conflict, kept as siblings until resolved. */
  MANUAL
}
