package io.splitguard.core.ap.crdt;

/** Why a written value was dropped. The ordinals are persisted (WAL, wire): append only. */
public enum SupersedeReason {
  /** Last-writer-wins merge: a value with a higher HLC stamp won (concurrent or later write). */
  LWW_OLDER,
  /** A local write replaced it, with the writer having seen it (an ordinary overwrite). */
  OVERWRITTEN,
  /** A manual conflict resolution replaced it: it was one of the conflicting siblings. */
  RESOLVED,
  /**
   * A local delete removed it (the writer had seen it). Added in codec format 2: the ordinal is
   * persisted, so constants are only ever appended.
   */
  DELETED
}
