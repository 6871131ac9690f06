/**
 * Replicated data types of the AP tier and their merge rules.
 *
 * <p>Every type is an immutable value whose {@code merge} is commutative, associative and
 * idempotent, so replicas converge whatever order, grouping and repetition anti-entropy delivers
 * states in. Every operation that drops a written value returns it in a {@link
 * io.splitguard.core.ap.crdt.MergeOutcome}: the LWW loser on merge, the values a local write
 * overwrote, the siblings a manual resolution replaced. That is the tier's "nothing is lost" rule:
 * a value acknowledged on any side is present after the heal or was handed to the audit log.
 *
 * <p>The types that keep concurrent writes (OR-set, multi-value and manual registers) identify
 * writes by {@link io.splitguard.core.ap.clock.Dot}s and carry a causal context, so removals need
 * no tombstones: a dot the other side's context covers but whose entry it lacks was removed there.
 * Deleting such a register is the same move (drop the siblings seen, keep the context). This needs
 * whole-state merges (a context is a version vector, which is exact only if every dot up to it has
 * been seen); delta shipping would need dot clouds and is not implemented. An LWW register has no
 * context, so its delete is a tombstone: a write of "absent" stamped like any other.
 *
 * <p>{@link io.splitguard.core.ap.crdt.SupersededHistory} bounds what a key remembers of its
 * superseded values, with a watermark that keeps de-duplication exact.
 */
package io.splitguard.core.ap.crdt;
