package io.splitguard.core.ap.crdt;

/** Why a written value was dropped. */
public enum SupersedeReason {
  /** Last-writer-wins merge: a value with a higher HLC stamp won (concurrent or later write). */
  LWW_OLDER,
  /** A local write replaced it, with the writer having seen it (an ordinary overwrite). */
  OVERWRITTEN,
  /** A manual conflict resolution replaced it: it was one of the conflicting siblings. */
  RESOLVED
}
