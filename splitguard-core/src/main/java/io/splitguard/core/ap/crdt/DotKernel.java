package io.splitguard.core.ap.crdt;

import io.splitguard.core.ap.clock.Dot;
import io.splitguard.core.ap.clock.VectorClock;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** The join shared by the dot-based types (Almeida, Shoker, Baquero, "Delta State Replicated Data Types"). */
final class DotKernel {
  private DotKernel() {}

  /**
   * Joins two dot stores with their contexts: an entry present on both sides stays; an entry on
   * one side stays unless the other side's context covers its dot (then the other side saw it and
   * removed it).
   *
   * @throws IllegalStateException if the same dot carries different content on the two sides: a
   *     dot names one write, so that is corruption or a node reusing dots after losing its state
   */
  static <V> SortedMap<Dot, V> join(
      SortedMap<Dot, V> a, VectorClock contextA, SortedMap<Dot, V> b, VectorClock contextB) {
    TreeMap<Dot, V> out = new TreeMap<>();
    for (Map.Entry<Dot, V> e : a.entrySet()) {
      V theirs = b.get(e.getKey());
      if (theirs != null) {
        if (!theirs.equals(e.getValue())) {
          throw new IllegalStateException("dot " + e.getKey() + " names two different writes: "
              + e.getValue() + " and " + theirs);
        }
        out.put(e.getKey(), e.getValue());
      } else if (!contextB.covers(e.getKey())) {
        out.put(e.getKey(), e.getValue());
      }
    }
    for (Map.Entry<Dot, V> e : b.entrySet()) {
      if (!a.containsKey(e.getKey()) && !contextA.covers(e.getKey())) {
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
  }
}
