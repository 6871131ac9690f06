/**
 * The pure foundations of the AP tier: keyspaces that stay writable on every side of a partition
 * and converge after the heal without losing a value.
 *
 * <p>Sub-packages: {@code clock} (hybrid logical clocks, sparse vector clocks and their garbage
 * collection), {@code crdt} (counters, sets and registers whose merge is commutative, associative
 * and idempotent, and which report every value a merge or write drops), {@code merkle} (range
 * digests so that anti-entropy only ships what differs) and {@code codec} (binary formats). None of
 * them reads a clock, a random source or a file: wall time is an argument, which is what lets the
 * same code run in property tests, the simulator and the node.
 */
package io.splitguard.core.ap;
