package io.splitguard.core.ap.clock;

import io.splitguard.core.cluster.NodeId;
import java.util.Comparator;
import java.util.Objects;

/**
 * A hybrid logical clock timestamp: wall-clock milliseconds, a logical counter that orders events
 * within the same millisecond (or while the wall clock lags), and the stamping node, which breaks
 * the remaining ties so that the order is total.
 *
 * <p>Ordered by physical time, then logical counter, then node id. If event {@code a} happened
 * before {@code b} (same node, or {@code b}'s node had received {@code a}'s stamp), then
 * {@code a < b}; the converse does not hold (concurrent events are ordered arbitrarily but
 * consistently), which is exactly what last-writer-wins needs.
 *
 * @param physicalMs milliseconds since the epoch, as seen by the highest wall clock involved
 * @param logical counter within {@code physicalMs}, from 0
 * @param node the node that issued the timestamp
 */
public record Hlc(long physicalMs, int logical, NodeId node) implements Stamp, Comparable<Hlc> {
  private static final Comparator<Hlc> ORDER =
      Comparator.comparingLong(Hlc::physicalMs).thenComparingInt(Hlc::logical).thenComparing(Hlc::node);

  /** Validates the fields. */
  public Hlc {
    Objects.requireNonNull(node, "node");
    if (physicalMs < 0) {
      throw new IllegalArgumentException("negative HLC physical time " + physicalMs);
    }
    if (logical < 0) {
      throw new IllegalArgumentException("negative HLC logical counter " + logical);
    }
  }

  @Override
  public int compareTo(Hlc other) {
    return ORDER.compare(this, other);
  }

  /** Whether this timestamp orders after {@code other}. */
  public boolean isAfter(Hlc other) {
    return compareTo(other) > 0;
  }

  @Override
  public String toString() {
    return physicalMs + "." + logical + "@" + node;
  }
}
