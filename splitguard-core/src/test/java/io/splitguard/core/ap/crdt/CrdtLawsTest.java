package io.splitguard.core.ap.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;

import io.splitguard.core.ap.Histories;
import io.splitguard.core.ap.Histories.Step;
import io.splitguard.core.ap.Histories.Trio;
import io.splitguard.core.ap.clock.Hlc;
import io.splitguard.core.ap.clock.HlcClock;
import io.splitguard.core.ap.clock.HlcSettings;
import io.splitguard.core.cluster.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The semilattice laws for every AP type: merge is commutative, associative and idempotent on the
 * merged state, checked on states reached by random replica histories (writes, removes,
 * resolutions, deletes and whole-state exchanges in any interleaving). QuickTheories prints the falsifying
 * history and its seed; {@code -DQT_SEED=...} replays it.
 */
class CrdtLawsTest {
  private static final String KEY = "k";

  static <T extends Mergeable<T>> T m(T a, T b) {
    return a.merge(b).merged();
  }

  static <T extends Mergeable<T>> void checkLaws(Gen<Trio<T>> trios) {
    qt().withExamples(300).forAll(trios).checkAssert(t -> {
      assertThat(m(t.a(), t.b())).as("commutative").isEqualTo(m(t.b(), t.a()));
      assertThat(m(m(t.a(), t.b()), t.c())).as("associative").isEqualTo(m(t.a(), m(t.b(), t.c())));
      assertThat(m(t.a(), t.a())).as("idempotent").isEqualTo(t.a());
      // Merging in something already included changes nothing (the join is an upper bound).
      T ab = m(t.a(), t.b());
      assertThat(m(ab, t.a())).as("absorbs a").isEqualTo(ab);
      assertThat(m(ab, t.b())).as("absorbs b").isEqualTo(ab);
    });
  }

  static List<PnCounter> counters(List<Step> h) {
    return Histories.run(h, PnCounter.empty(KEY),
        (c, s) -> c.add(Histories.NODES.get(s.replica()), (s.arg() % 21) - 10), CrdtLawsTest::m);
  }

  static List<OrSet> sets(List<Step> h) {
    return Histories.run(h, OrSet.empty(KEY), (set, s) -> {
      String e = "e" + (s.arg() / 2) % 4;
      return s.arg() % 2 == 0 ? set.add(Histories.NODES.get(s.replica()), e) : set.remove(e);
    }, CrdtLawsTest::m);
  }

  /** Multi-value register states from writes and (one step in five) deletes. */
  static List<MvRegister> mvRegisters(List<Step> h) {
    return Histories.run(h, MvRegister.empty(KEY), (r, s) -> s.arg() % 5 == 4
        ? r.delete().merged()
        : r.write(Histories.NODES.get(s.replica()), "v" + s.arg() % 50).merged(), CrdtLawsTest::m);
  }

  static List<ManualRegister> manualRegisters(List<Step> h) {
    return Histories.run(h, ManualRegister.empty(KEY), (r, s) -> {
      NodeId node = Histories.NODES.get(s.replica());
      if (s.arg() % 3 == 0) {
        return r.resolve(node, "r" + s.arg() % 50).merged();
      }
      ManualRegister.Write w = s.arg() % 5 == 4 ? r.delete() : r.write(node, "v" + s.arg() % 50);
      return w instanceof ManualRegister.Write.Accepted a ? a.outcome().merged() : r;
    }, CrdtLawsTest::m);
  }

  /**
   * LWW states from writes and (one step in five) deletes stamped by each replica's HLC, with wall
   * clocks that wander a little.
   */
  static List<LwwRegister> lwwRegisters(List<Step> h) {
    List<HlcClock> clocks = new ArrayList<>();
    for (NodeId n : Histories.NODES) {
      clocks.add(new HlcClock(HlcSettings.of(n)));
    }
    long[] wall = {1_000};
    LwwRegister initial = new LwwRegister(KEY, "init", new Hlc(1, 0, NodeId.of("n0")));
    return Histories.run(h, initial, (r, s) -> {
      wall[0] += s.arg() % 3; // often the same millisecond, so logical counters and node ties matter
      Hlc stamp = clocks.get(s.replica()).now(wall[0] - (s.arg() % 5)).orThrow();
      return s.arg() % 5 == 4 ? r.delete(stamp).merged() : r.write("v" + s.arg() % 50, stamp).merged();
    }, CrdtLawsTest::m);
  }

  @Test
  void pnCounterMergeIsASemilattice() {
    checkLaws(Histories.trios(CrdtLawsTest::counters));
  }

  @Test
  void orSetMergeIsASemilattice() {
    checkLaws(Histories.trios(CrdtLawsTest::sets));
  }

  @Test
  void mvRegisterMergeIsASemilattice() {
    checkLaws(Histories.trios(CrdtLawsTest::mvRegisters));
  }

  @Test
  void manualRegisterMergeIsASemilattice() {
    checkLaws(Histories.trios(CrdtLawsTest::manualRegisters));
  }

  @Test
  void lwwRegisterMergeIsASemilattice() {
    checkLaws(Histories.trios(CrdtLawsTest::lwwRegisters));
  }

  @Test
  void lwwLawsAlsoHoldForArbitraryDistinctStamps() {
    // LWW states need no history: any set of distinct stamps is reachable, tombstones included.
    Function<List<Step>, List<LwwRegister>> arbitrary = h -> {
      List<LwwRegister> pool = new ArrayList<>();
      pool.add(new LwwRegister(KEY, "x", new Hlc(5, 0, NodeId.of("n1"))));
      for (Step s : h) {
        Hlc stamp = new Hlc(s.arg() % 7, s.from(), Histories.NODES.get(s.replica()));
        pool.add(s.arg() % 4 == 3 ? LwwRegister.tombstone(KEY, stamp)
            : new LwwRegister(KEY, "v" + s.arg() + "@" + s.replica(), stamp));
      }
      // Equal stamps must carry equal values: keep the first value per stamp.
      List<LwwRegister> distinct = new ArrayList<>();
      for (LwwRegister r : pool) {
        if (distinct.stream().noneMatch(d -> d.stamp().equals(r.stamp()))) {
          distinct.add(r);
        }
      }
      return distinct;
    };
    checkLaws(Histories.trios(arbitrary));
  }
}
