package io.splitguard.core.ap.clock;

import io.splitguard.core.cluster.NodeId;
import java.util.Comparator;
import java.util.Objects;

/**
 * One event: the {@code counter}-th write issued by {@code node}. Dots identify writes in the types
 * that keep concurrent values (OR-set elements, register siblings), which is what lets them drop
 * exactly the writes another replica has seen and removed, without keeping tombstones.
 *
 * @param node the node that issued the event
 * @param counter its sequence number at that node, from 1
 */
public record Dot(NodeId node, long counter) implements Comparable<Dot> {
  private static final Comparator<Dot> ORDER =
      Comparator.comparing(Dot::node).thenComparingLong(Dot::counter);

  /** Validates the fields. */
  public Dot {
    Objects.requireNonNull(node, "node");
    if (counter < 1) {
      throw new IllegalArgumentException("dot counter must be >= 1, was " + counter);
    }
  }

  @Override
  public int compareTo(Dot other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return node + ":" + counter;
  }
}
