package io.splitguard.core.ap.crdt;

import io.splitguard.core.ap.clock.Dot;
import io.splitguard.core.ap.clock.VectorClock;
import io.splitguard.core.cluster.NodeId;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An add-wins observed-remove set of strings, without tombstones.
 *
 * <p>Each add is a new {@link Dot} tagging the element; a remove drops the dots of the element it
 * has <em>observed</em>, and the causal context remembers that they existed. On merge a dot
 * survives unless the other side's context covers it without holding it (the other side removed
 * it). So a remove only cancels the adds it saw, and an add concurrent with a remove wins. Merges
 * never drop a written value the user did not remove, so they are always {@link
 * MergeOutcome.Clean}.
 *
 * @param key the key it is stored under
 * @param dots every live add: its dot and the element it added
 * @param context every dot this replica has seen (added or removed)
 */
public record OrSet(String key, SortedMap<Dot, String> dots, VectorClock context) implements Mergeable<OrSet> {

  /** Validates and copies the fields. */
  public OrSet {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(context, "context");
    TreeMap<Dot, String> copy = new TreeMap<>();
    for (var e : dots.entrySet()) {
      if (!context.covers(e.getKey())) {
        throw new IllegalArgumentException("dot " + e.getKey() + " outside the context " + context);
      }
      copy.put(e.getKey(), Objects.requireNonNull(e.getValue(), "element"));
    }
    dots = Collections.unmodifiableSortedMap(copy);
  }

  /** The empty set. */
  public static OrSet empty(String key) {
    return new OrSet(key, new TreeMap<>(), VectorClock.empty());
  }

  /** The elements, sorted. */
  public SortedSet<String> elements() {
    return Collections.unmodifiableSortedSet(new TreeSet<>(dots.values()));
  }

  /** Whether {@code element} is in the set. */
  public boolean contains(String element) {
    return dots.containsValue(element);
  }

  /**
   * This set with {@code element} added by {@code node}: a fresh dot, replacing the dots of the
   * element this replica has seen (they are redundant; the context keeps them removed elsewhere).
   */
  public OrSet add(NodeId node, String element) {
    Objects.requireNonNull(element, "element");
    Dot dot = context.nextDot(node);
    TreeMap<Dot, String> copy = new TreeMap<>(dots);
    copy.values().removeIf(element::equals);
    copy.put(dot, element);
    return new OrSet(key, copy, context.with(dot));
  }

  /** This set without {@code element}: removes the adds observed here, and only those. */
  public OrSet remove(String element) {
    TreeMap<Dot, String> copy = new TreeMap<>(dots);
    copy.values().removeIf(element::equals);
    return new OrSet(key, copy, context);
  }

  @Override
  public MergeOutcome<OrSet> merge(OrSet other) {
    PnCounter.requireSameKey(key, other.key);
    return new MergeOutcome.Clean<>(
        new OrSet(key, DotKernel.join(dots, context, other.dots, other.context), context.merge(other.context)));
  }
}
