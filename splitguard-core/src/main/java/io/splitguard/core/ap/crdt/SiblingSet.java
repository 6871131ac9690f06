package io.splitguard.core.ap.crdt;

import io.splitguard.core.ap.clock.Dot;
import io.splitguard.core.ap.clock.VectorClock;
import io.splitguard.core.cluster.NodeId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The state shared by {@link MvRegister} and {@link ManualRegister}: concurrent siblings and the
 * register's causal context. A write by a node replaces every sibling the node has seen.
 *
 * @param siblings the live writes, sorted by dot
 * @param context every dot this replica has seen
 */
record SiblingSet(List<Sibling> siblings, VectorClock context) {
  static final SiblingSet EMPTY = new SiblingSet(List.of(), VectorClock.empty());

  SiblingSet {
    Objects.requireNonNull(context, "context");
    TreeMap<Dot, Sibling> byDot = new TreeMap<>();
    for (Sibling s : siblings) {
      if (!context.covers(s.dot())) {
        throw new IllegalArgumentException("sibling " + s.dot() + " outside the context " + context);
      }
      if (byDot.put(s.dot(), s) != null) {
        throw new IllegalArgumentException("two siblings with dot " + s.dot());
      }
    }
    siblings = List.copyOf(byDot.values());
  }

  /** A write of {@code value} by {@code node} that has seen this state; returns the new state and the overwritten siblings. */
  MergeOutcome<SiblingSet> write(String key, NodeId node, String value, SupersedeReason reason) {
    Objects.requireNonNull(value, "value");
    Dot dot = context.nextDot(node);
    VectorClock seen = context.with(dot);
    List<Superseded> dropped = new ArrayList<>();
    for (Sibling s : siblings) {
      dropped.add(s.superseded(key, reason));
    }
    return MergeOutcome.of(new SiblingSet(List.of(new Sibling(dot, value, seen)), seen), dropped);
  }

  /**
   * A delete by a node that has seen this state: every sibling seen here is dropped (and returned,
   * as {@link SupersedeReason#DELETED}) while the context keeps their dots, so the delete wins
   * over stale copies on merge and a write concurrent with it survives. No dot is needed: like an
   * OR-set remove, it only cancels what it saw.
   */
  MergeOutcome<SiblingSet> delete(String key) {
    List<Superseded> dropped = new ArrayList<>();
    for (Sibling s : siblings) {
      dropped.add(s.superseded(key, SupersedeReason.DELETED));
    }
    return MergeOutcome.of(new SiblingSet(List.of(), context), dropped);
  }

  /**
   * The join. Never drops a sibling that no write replaced: a sibling one side lacks but whose dot
   * its context covers was replaced there by a write, which already reported it.
   */
  SiblingSet merge(SiblingSet other) {
    SortedMap<Dot, Sibling> joined = DotKernel.join(byDot(siblings), context, byDot(other.siblings), other.context);
    return new SiblingSet(new ArrayList<>(joined.values()), context.merge(other.context));
  }

  private static SortedMap<Dot, Sibling> byDot(Collection<Sibling> siblings) {
    TreeMap<Dot, Sibling> map = new TreeMap<>();
    for (Sibling s : siblings) {
      map.put(s.dot(), s);
    }
    return map;
  }
}
