package io.splitguard.core.ap.crdt;

import io.splitguard.core.cluster.NodeId;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A counter that every side can increment and decrement: per node, the sum of its increments and
 * the sum of its decrements, each only growing, merged by pointwise maximum. The value is the sum
 * of all increments minus all decrements. Merges never drop a write, so they are always {@link
 * MergeOutcome.Clean}.
 *
 * @param key the key it is stored under
 * @param totals per node: its increments and decrements
 */
public record PnCounter(String key, SortedMap<NodeId, Totals> totals) implements Mergeable<PnCounter> {

  /**
   * One node's contributions.
   *
   * @param increments sum of its positive deltas
   * @param decrements sum of the magnitudes of its negative deltas
   */
  public record Totals(long increments, long decrements) {
    /** Validates the fields. */
    public Totals {
      if (increments < 0 || decrements < 0) {
        throw new IllegalArgumentException("negative counter totals " + increments + "/" + decrements);
      }
    }

    Totals max(Totals other) {
      return new Totals(Math.max(increments, other.increments), Math.max(decrements, other.decrements));
    }
  }

  /** Validates and copies the fields. */
  public PnCounter {
    Objects.requireNonNull(key, "key");
    TreeMap<NodeId, Totals> copy = new TreeMap<>();
    totals.forEach((n, t) -> copy.put(Objects.requireNonNull(n), Objects.requireNonNull(t)));
    totals = Collections.unmodifiableSortedMap(copy);
  }

  /** A counter at zero. */
  public static PnCounter empty(String key) {
    return new PnCounter(key, new TreeMap<>());
  }

  /**
   * This counter with {@code delta} applied by {@code node}.
   *
   * @throws ArithmeticException if a total would overflow
   */
  public PnCounter add(NodeId node, long delta) {
    if (delta == Long.MIN_VALUE) {
      throw new ArithmeticException("delta out of range: " + delta);
    }
    Totals t = totals.getOrDefault(node, new Totals(0, 0));
    Totals next = delta >= 0
        ? new Totals(Math.addExact(t.increments(), delta), t.decrements())
        : new Totals(t.increments(), Math.addExact(t.decrements(), -delta));
    TreeMap<NodeId, Totals> copy = new TreeMap<>(totals);
    copy.put(node, next);
    return new PnCounter(key, copy);
  }

  /**
   * The counter's value.
   *
   * @throws ArithmeticException if it does not fit in a long
   */
  public long value() {
    long v = 0;
    for (Totals t : totals.values()) {
      v = Math.subtractExact(Math.addExact(v, t.increments()), t.decrements());
    }
    return v;
  }

  @Override
  public MergeOutcome<PnCounter> merge(PnCounter other) {
    requireSameKey(key, other.key);
    TreeMap<NodeId, Totals> copy = new TreeMap<>(totals);
    for (Map.Entry<NodeId, Totals> e : other.totals.entrySet()) {
      copy.merge(e.getKey(), e.getValue(), Totals::max);
    }
    return new MergeOutcome.Clean<>(new PnCounter(key, copy));
  }

  static void requireSameKey(String mine, String theirs) {
    if (!mine.equals(theirs)) {
      throw new IllegalArgumentException("cannot merge values of different keys: '" + mine + "' and '" + theirs + "'");
    }
  }
}
