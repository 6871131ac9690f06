package io.splitguard.core.ap.crdt;

import io.splitguard.core.ap.clock.Hlc;
import io.splitguard.core.ap.clock.Stamp;
import io.splitguard.core.ap.clock.VectorClock;
import io.splitguard.core.cluster.NodeId;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;

/**
 * A total order on stamps that extends "happened before", used to keep the newest superseded
 * values of a key and to define its history's watermark.
 *
 * <p>HLC stamps are ordered as {@link Hlc} orders them (total already). Vector clocks are ordered
 * by the sum of their counters first, which extends causality (a clock that happened before
 * another has a strictly smaller sum), then entry by entry (node, then counter), which makes the
 * order total and consistent with {@code equals}. Every HLC sorts before every vector clock; a key
 * holds one type, so its history never mixes them, but the order must still be total.
 */
public final class StampOrder {
  private StampOrder() {}

  /** The order. */
  public static final Comparator<Stamp> COMPARATOR = StampOrder::compare;

  /** Negative, zero or positive as {@code a} sorts before, equal to or after {@code b}. */
  public static int compare(Stamp a, Stamp b) {
    if (a instanceof Hlc x) {
      return b instanceof Hlc y ? x.compareTo(y) : -1;
    }
    if (b instanceof Hlc) {
      return 1;
    }
    VectorClock x = (VectorClock) a;
    VectorClock y = (VectorClock) b;
    int c = Long.compare(saturatedSum(x), saturatedSum(y));
    if (c != 0) {
      return c;
    }
    Iterator<Map.Entry<NodeId, Long>> i = x.entries().entrySet().iterator();
    Iterator<Map.Entry<NodeId, Long>> j = y.entries().entrySet().iterator();
    while (i.hasNext() && j.hasNext()) {
      Map.Entry<NodeId, Long> e = i.next();
      Map.Entry<NodeId, Long> f = j.next();
      c = e.getKey().compareTo(f.getKey());
      if (c != 0) {
        return c;
      }
      c = Long.compare(e.getValue(), f.getValue());
      if (c != 0) {
        return c;
      }
    }
    return Boolean.compare(i.hasNext(), j.hasNext());
  }

  /** The sum of the counters, capped at {@code Long.MAX_VALUE} (ties are then broken entry-wise). */
  private static long saturatedSum(VectorClock clock) {
    long sum = 0;
    for (long counter : clock.entries().values()) {
      sum = sum > Long.MAX_VALUE - counter ? Long.MAX_VALUE : sum + counter;
    }
    return sum;
  }
}
