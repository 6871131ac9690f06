package io.splitguard.core.ap.crdt;

/**
 * A state-based replicated value: {@link #merge} is commutative, associative and idempotent on the
 * merged state, and reports what it dropped. Sealed: these are the value types an AP keyspace can
 * hold, and the codecs and audit log handle each of them.
 *
 * @param <T> the implementing type
 */
public sealed interface Mergeable<T extends Mergeable<T>>
    permits PnCounter, OrSet, MvRegister, ManualRegister, LwwRegister {
  /** The key the value is stored under. */
  String key();

  /** This state joined with {@code other}, and the values the join dropped. */
  MergeOutcome<T> merge(T other);
}
