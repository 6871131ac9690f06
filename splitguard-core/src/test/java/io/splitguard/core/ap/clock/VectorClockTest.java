package io.splitguard.core.ap.clock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.splitguard.core.cluster.NodeId;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

class VectorClockTest {
  private static final NodeId A = NodeId.of("a");
  private static final NodeId B = NodeId.of("b");
  private static final NodeId C = NodeId.of("c");
  private static final long DAY_MS = Duration.ofDays(1).toMillis();

  /** Small clocks over four nodes, counters 0..3, so that equal and ordered pairs are common. */
  private static final Gen<VectorClock> CLOCKS = lists().of(integers().between(0, 3)).ofSizeBetween(4, 4).map(cs -> {
    TreeMap<NodeId, Long> m = new TreeMap<>();
    for (int i = 0; i < 4; i++) {
      if (cs.get(i) > 0) {
        m.put(NodeId.of("n" + i), (long) cs.get(i));
      }
    }
    return new VectorClock(m);
  });

  @Test
  void compareIsConsistentWithPointwiseOrder() {
    qt().withExamples(500).forAll(CLOCKS, CLOCKS).checkAssert((x, y) -> {
      Causality c = x.compare(y);
      assertThat(y.compare(x)).isEqualTo(c.inverse());
      assertThat(c == Causality.EQUAL).isEqualTo(x.equals(y));
      boolean le = x.entries().keySet().stream().allMatch(n -> x.get(n) <= y.get(n));
      boolean ge = y.entries().keySet().stream().allMatch(n -> y.get(n) <= x.get(n));
      assertThat(c == Causality.BEFORE).isEqualTo(le && !x.equals(y));
      assertThat(c == Causality.CONCURRENT).isEqualTo(!le && !ge);
    });
  }

  @Test
  void mergeIsTheLeastUpperBound() {
    qt().withExamples(500).forAll(CLOCKS, CLOCKS, CLOCKS).checkAssert((x, y, z) -> {
      VectorClock m = x.merge(y);
      assertThat(m.dominates(x) && m.dominates(y)).isTrue();
      assertThat(m).isEqualTo(y.merge(x)).isEqualTo(m.merge(x));
      assertThat(m.merge(z)).isEqualTo(x.merge(y.merge(z)));
      if (z.dominates(x) && z.dominates(y)) {
        assertThat(z.dominates(m)).as("least").isTrue();
      }
      assertThat(x.increment(A).compare(x)).isEqualTo(Causality.AFTER);
    });
  }

  @Test
  void concurrentIncrementsAreConcurrent() {
    VectorClock base = VectorClock.empty().increment(A);
    assertThat(base.increment(A).compare(base.increment(B))).isEqualTo(Causality.CONCURRENT);
    assertThat(base.get(C)).isZero();
    assertThat(base.covers(new Dot(A, 1))).isTrue();
    assertThat(base.covers(new Dot(A, 2))).isFalse();
  }

  @Test
  void entriesOfADecommissionedNodeAreCollectedOnlyAfterTheRetention() {
    VectorClock clock = VectorClock.of(Map.of(A, 3L, B, 7L, C, 2L));
    List<Decommissioned> gone = List.of(new Decommissioned(B, 0));
    VectorClockGc gc = VectorClockGc.defaults();
    assertThat(gc.retention()).isEqualTo(Duration.ofDays(90));

    VectorClockGc.Collected early = gc.collect(clock, gone, 90 * DAY_MS - 1);
    assertThat(early.clock()).isEqualTo(clock);
    assertThat(early.tombstone()).isEmpty();

    VectorClockGc.Collected late = gc.collect(clock, gone, 90 * DAY_MS);
    assertThat(late.clock()).isEqualTo(VectorClock.of(Map.of(A, 3L, C, 2L)));
    ClockTombstone t = late.tombstone().orElseThrow();
    assertThat(t.nodes()).containsExactly(B);
    assertThat(t.collectedAtMs()).isEqualTo(90 * DAY_MS);
    assertThat(t.sha256()).isEqualTo(ClockTombstone.digest(new TreeMap<>(Map.of(B, 7L))));

    // Idempotent: collecting again removes nothing more and leaves no second tombstone.
    VectorClockGc.Collected again = gc.collect(late.clock(), gone, 91 * DAY_MS);
    assertThat(again.clock()).isEqualTo(late.clock());
    assertThat(again.tombstone()).isEmpty();
  }

  @Test
  void aTombstoneVerifiesAReimportOfTheSameEntriesAndRejectsOthers() {
    VectorClock clock = VectorClock.of(Map.of(A, 3L, B, 7L, C, 2L));
    ClockTombstone t = VectorClockGc.defaults()
        .collect(clock, List.of(new Decommissioned(B, 0), new Decommissioned(C, 5)), 100 * DAY_MS)
        .tombstone().orElseThrow();
    assertThat(t.nodes()).containsExactly(B, C);
    assertThat(t.verifies(clock)).isTrue();
    assertThat(t.verifies(VectorClock.of(Map.of(B, 7L, C, 2L)))).as("other entries do not matter").isTrue();
    assertThat(t.verifies(VectorClock.of(Map.of(A, 3L, B, 8L, C, 2L)))).as("a write the cluster never saw").isFalse();
    assertThat(t.verifies(VectorClock.of(Map.of(A, 3L, B, 7L)))).isFalse();
  }

  @Test
  void collectingOnBothSidesPreservesTheirOrder() {
    // Both replicas saw B's last write (counter 7); after collection they still compare as before.
    VectorClock older = VectorClock.of(Map.of(A, 3L, B, 7L));
    VectorClock newer = VectorClock.of(Map.of(A, 4L, B, 7L));
    VectorClockGc gc = new VectorClockGc(Duration.ofDays(1));
    List<Decommissioned> gone = List.of(new Decommissioned(B, 0));
    VectorClock o = gc.collect(older, gone, DAY_MS).clock();
    VectorClock n = gc.collect(newer, gone, DAY_MS).clock();
    assertThat(o.compare(n)).isEqualTo(older.compare(newer)).isEqualTo(Causality.BEFORE);
  }
}
