package io.splitguard.core.ap.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.splitguard.core.ap.clock.Causality;
import io.splitguard.core.ap.clock.Hlc;
import io.splitguard.core.ap.clock.Stamp;
import io.splitguard.core.ap.clock.VectorClock;
import io.splitguard.core.cluster.NodeId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The bounded history: never admits a value twice however often (and in whatever order) values are
 * offered again, keeps exactly the newest admitted values, and admits everything offered in stamp
 * order. QuickTheories prints the falsifying input and its seed; {@code -DQT_SEED=...} replays it.
 */
class SupersededHistoryTest {
  private static final String KEY = "k";

  private static Superseded lww(int t) {
    Hlc stamp = new Hlc(t / 3, t % 3, NodeId.of("n" + t % 2));
    return new Superseded(KEY, "v" + t, stamp, stamp.node(), SupersedeReason.LWW_OLDER);
  }

  @Test
  void admitsEachValueAtMostOnceAndKeepsTheNewestAdmitted() {
    qt().withExamples(500)
        .forAll(lists().of(integers().between(0, 60)).ofSizeBetween(0, 200), integers().between(1, 12))
        .checkAssert((offers, max) -> {
          SupersededHistory h = SupersededHistory.empty();
          Set<Stamp> admitted = new HashSet<>();
          TreeSet<Stamp> admittedOrdered = new TreeSet<>(StampOrder.COMPARATOR);
          for (int t : offers) {
            Superseded s = lww(t);
            SupersededHistory.Admission a = h.admit(s, max);
            if (a.fresh()) {
              assertThat(admitted.add(s.clock())).as("admitted twice: %s", s).isTrue();
              admittedOrdered.add(s.clock());
            } else {
              assertThat(a.history()).isSameAs(h);
            }
            h = a.history();
            assertThat(h.entries()).hasSizeLessThanOrEqualTo(max);
            // Everything ever admitted stays known, held or not.
            for (Stamp x : admitted) {
              assertThat(h.knows(x)).isTrue();
            }
            // What is held is exactly the newest admitted values.
            List<Stamp> all = new ArrayList<>(admittedOrdered);
            List<Stamp> newest = all.subList(all.size() - h.entries().size(), all.size());
            assertThat(h.entries().stream().map(Superseded::clock).toList()).containsExactlyElementsOf(newest);
            assertThat(h.entries()).hasSize(Math.min(max, admitted.size()));
          }
        });
  }

  @Test
  void valuesOfferedInStampOrderAreAllAdmitted() {
    qt().withExamples(200).forAll(integers().between(1, 10), integers().between(0, 100)).checkAssert((max, n) -> {
      SupersededHistory h = SupersededHistory.empty();
      for (int t = 0; t < n; t++) {
        SupersededHistory.Admission a = h.admit(lww(t), max);
        assertThat(a.fresh()).isTrue();
        h = a.history();
      }
      assertThat(h.entries()).hasSize(Math.min(max, n));
      // Offered again, in any order, none is admitted twice.
      for (int t = n - 1; t >= 0; t--) {
        assertThat(h.admit(lww(t), max).fresh()).isFalse();
      }
    });
  }

  @Test
  void stampOrderIsATotalOrderThatExtendsCausality() {
    qt().withExamples(500)
        .forAll(lists().of(integers().between(0, 3)).ofSizeBetween(0, 6),
            lists().of(integers().between(0, 3)).ofSizeBetween(0, 6),
            lists().of(integers().between(0, 3)).ofSizeBetween(0, 6))
        .checkAssert((x, y, z) -> {
          VectorClock a = clock(x);
          VectorClock b = clock(y);
          VectorClock c = clock(z);
          assertThat(Integer.signum(StampOrder.compare(a, b))).isEqualTo(-Integer.signum(StampOrder.compare(b, a)));
          assertThat(StampOrder.compare(a, b) == 0).isEqualTo(a.equals(b));
          if (StampOrder.compare(a, b) <= 0 && StampOrder.compare(b, c) <= 0) {
            assertThat(StampOrder.compare(a, c)).isLessThanOrEqualTo(0);
          }
          if (a.compare(b) == Causality.BEFORE) {
            assertThat(StampOrder.compare(a, b)).isNegative();
          }
          VectorClock later = a.merge(b);
          if (!later.equals(a)) {
            assertThat(StampOrder.compare(a, later)).isNegative();
          }
        });
  }

  @Test
  void vectorClockHistoriesAreBoundedToo() {
    SupersededHistory h = SupersededHistory.empty();
    NodeId n = NodeId.of("n1");
    for (long i = 1; i <= 5; i++) {
      VectorClock c = VectorClock.of(Map.of(n, i));
      h = h.admit(new Superseded(KEY, "v" + i, c, n, SupersedeReason.OVERWRITTEN), 2).history();
    }
    assertThat(h.entries()).extracting(Superseded::value).containsExactly("v4", "v5");
    assertThat(h.watermark()).contains(VectorClock.of(Map.of(n, 3L)));
    assertThat(h.knows(VectorClock.of(Map.of(n, 1L)))).isTrue();
    assertThat(h.knows(VectorClock.of(Map.of(n, 6L)))).isFalse();
  }

  @Test
  void aSiblingReplacedHereIsFreshEvenBelowAWatermarkSetByAConcurrentValue() {
    NodeId a = NodeId.of("a");
    NodeId b = NodeId.of("b");
    // Concurrent with {a:1}, yet above it in stamp order (sum 3 > 1): when it drops out, the
    // watermark passes {a:1}, which this node may still hold as a sibling.
    VectorClock concurrent = VectorClock.of(Map.of(b, 3L));
    VectorClock later = VectorClock.of(Map.of(b, 4L));
    VectorClock sibling = VectorClock.of(Map.of(a, 1L));
    SupersededHistory h = SupersededHistory.empty()
        .admit(new Superseded(KEY, "x", concurrent, b, SupersedeReason.OVERWRITTEN), 1).history()
        .admit(new Superseded(KEY, "y", later, b, SupersedeReason.OVERWRITTEN), 1).history();
    assertThat(h.watermark()).contains(concurrent);
    Superseded held = new Superseded(KEY, "held", sibling, a, SupersedeReason.OVERWRITTEN);

    // Offered by a peer, a value below the watermark counts as known ...
    assertThat(h.admit(held, 1).fresh()).isFalse();
    // ... but replaced here, it was never superseded on this node: it must be audited.
    SupersededHistory.Admission replaced = h.admitReplaced(held, 1);
    assertThat(replaced.fresh()).isTrue();
    assertThat(replaced.history()).isEqualTo(h);
    // A value the history holds is never fresh again.
    assertThat(h.admitReplaced(h.entries().get(0), 1).fresh()).isFalse();
  }

  @Test
  void admitReplacedLeavesTheSameHistoryAsAdmit() {
    qt().withExamples(300)
        .forAll(lists().of(integers().between(0, 40)).ofSizeBetween(0, 120), integers().between(1, 8))
        .checkAssert((offers, max) -> {
          SupersededHistory viaAdmit = SupersededHistory.empty();
          SupersededHistory viaReplaced = SupersededHistory.empty();
          for (int t : offers) {
            Superseded s = lww(t);
            viaAdmit = viaAdmit.admit(s, max).history();
            viaReplaced = viaReplaced.admitReplaced(s, max).history();
            assertThat(viaReplaced).isEqualTo(viaAdmit);
          }
        });
  }

  /** A vector clock over nodes a..d from a list of node indexes (each occurrence counts one). */
  private static VectorClock clock(List<Integer> events) {
    TreeMap<NodeId, Long> entries = new TreeMap<>();
    for (int e : events) {
      entries.merge(NodeId.of("abcd".substring(e, e + 1)), 1L, Long::sum);
    }
    return new VectorClock(entries);
  }
}
