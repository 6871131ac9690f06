package io.splitguard.core.ap.clock;

import io.splitguard.core.cluster.NodeId;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A sparse vector clock: for each node that has written, how many of its events are included.
 * Nodes with no entry count as 0, so a clock only grows with the nodes that actually wrote.
 *
 * <p>Immutable; entries are kept sorted by node so that equal clocks encode to equal bytes (the
 * Merkle digests rely on it). Also used as a causal context: "has seen all events of node n up to
 * counter c" for every entry.
 *
 * @param entries node to counter, all counters positive
 */
public record VectorClock(SortedMap<NodeId, Long> entries) implements Stamp {
  private static final VectorClock EMPTY = new VectorClock(new TreeMap<>());

  /** Validates and copies the entries. */
  public VectorClock {
    TreeMap<NodeId, Long> copy = new TreeMap<>();
    for (Map.Entry<NodeId, Long> e : entries.entrySet()) {
      long counter = Objects.requireNonNull(e.getValue(), "counter");
      if (counter < 1) {
        throw new IllegalArgumentException("vector clock counter must be >= 1, was " + counter + " for " + e.getKey());
      }
      copy.put(Objects.requireNonNull(e.getKey(), "node"), counter);
    }
    entries = Collections.unmodifiableSortedMap(copy);
  }

  /** The clock that has seen nothing. */
  public static VectorClock empty() {
    return EMPTY;
  }

  /** A clock with the given entries. */
  public static VectorClock of(Map<NodeId, Long> entries) {
    return new VectorClock(new TreeMap<>(entries));
  }

  /** The counter of {@code node}, 0 if absent. */
  public long get(NodeId node) {
    return entries.getOrDefault(node, 0L);
  }

  /** Whether this clock includes the event {@code dot}. */
  public boolean covers(Dot dot) {
    return get(dot.node()) >= dot.counter();
  }

  /** The next event of {@code node} after everything this clock has seen of it. */
  public Dot nextDot(NodeId node) {
    return new Dot(node, Math.addExact(get(node), 1));
  }

  /** This clock with {@code node}'s counter advanced by one. */
  public VectorClock increment(NodeId node) {
    return with(nextDot(node));
  }

  /** This clock including {@code dot} (and, as a version vector, everything before it). */
  public VectorClock with(Dot dot) {
    if (covers(dot)) {
      return this;
    }
    TreeMap<NodeId, Long> copy = new TreeMap<>(entries);
    copy.put(dot.node(), dot.counter());
    return new VectorClock(copy);
  }

  /** The pointwise maximum: everything either side has seen. */
  public VectorClock merge(VectorClock other) {
    TreeMap<NodeId, Long> copy = new TreeMap<>(entries);
    other.entries.forEach((node, counter) -> copy.merge(node, counter, Math::max));
    return new VectorClock(copy);
  }

  /** This clock without the entries of {@code nodes}. */
  public VectorClock without(Set<NodeId> nodes) {
    TreeMap<NodeId, Long> copy = new TreeMap<>(entries);
    copy.keySet().removeAll(nodes);
    return copy.size() == entries.size() ? this : new VectorClock(copy);
  }

  /** How this clock relates to {@code other}. */
  public Causality compare(VectorClock other) {
    boolean less = false;
    boolean greater = false;
    TreeMap<NodeId, Long> all = new TreeMap<>(entries);
    all.putAll(other.entries);
    for (NodeId node : all.keySet()) {
      long mine = get(node);
      long theirs = other.get(node);
      if (mine < theirs) {
        less = true;
      } else if (mine > theirs) {
        greater = true;
      }
    }
    if (less && greater) {
      return Causality.CONCURRENT;
    }
    if (less) {
      return Causality.BEFORE;
    }
    return greater ? Causality.AFTER : Causality.EQUAL;
  }

  /** Whether this clock has seen everything {@code other} has ({@code AFTER} or {@code EQUAL}). */
  public boolean dominates(VectorClock other) {
    Causality c = compare(other);
    return c == Causality.AFTER || c == Causality.EQUAL;
  }

  @Override
  public String toString() {
    return entries.toString();
  }
}
