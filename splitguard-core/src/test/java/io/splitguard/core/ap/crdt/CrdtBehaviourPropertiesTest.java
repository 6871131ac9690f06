package io.splitguard.core.ap.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.splitguard.core.ap.Histories;
import io.splitguard.core.ap.Histories.Step;
import io.splitguard.core.ap.clock.Causality;
import io.splitguard.core.ap.clock.Dot;
import io.splitguard.core.ap.clock.Hlc;
import io.splitguard.core.ap.clock.VectorClock;
import io.splitguard.core.cluster.NodeId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * What each type promises beyond the merge laws: counters add up, sets are add-wins, registers
 * keep or report every write. Histories interleave local operations and state exchanges between
 * three replicas at random; QuickTheories prints the falsifying history ({@code -DQT_SEED=...}
 * replays it).
 */
class CrdtBehaviourPropertiesTest {
  private static final String KEY = "k";
  private static final Gen<Integer> ORDER = integers().between(0, 5);

  private static NodeId node(Step s) {
    return Histories.NODES.get(s.replica());
  }

  /** The three replicas merged in one of the six orders. */
  private static <T extends Mergeable<T>> T mergeAll(List<T> replicas, int order) {
    int[][] perms = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    int[] p = perms[order];
    return replicas.get(p[0]).merge(replicas.get(p[1])).merged().merge(replicas.get(p[2])).merged();
  }

  @Test
  void pnCounterValueIsTheSumOfAllDeltasWhateverTheMergeOrder() {
    qt().withExamples(400).forAll(Histories.histories(60), ORDER).checkAssert((h, order) -> {
      List<PnCounter> replicas = new ArrayList<>(List.of(PnCounter.empty(KEY), PnCounter.empty(KEY), PnCounter.empty(KEY)));
      long sum = 0;
      for (Step s : h) {
        PnCounter c = replicas.get(s.replica());
        if (s.receive()) {
          replicas.set(s.replica(), c.merge(replicas.get(s.from())).merged());
        } else {
          long delta = (s.arg() % 2001) - 1000;
          sum += delta;
          replicas.set(s.replica(), c.add(node(s), delta));
        }
      }
      assertThat(mergeAll(replicas, order).value()).isEqualTo(sum);
    });
  }

  /** The textbook OR-set with a tombstone per removed add: the oracle for {@link OrSet}. */
  record NaiveOrSet(Set<String> adds, Set<String> removed) {
    static final NaiveOrSet EMPTY = new NaiveOrSet(Set.of(), Set.of());

    NaiveOrSet add(String element, String id) {
      Set<String> a = new HashSet<>(adds);
      a.add(element + "#" + id);
      return new NaiveOrSet(a, removed);
    }

    NaiveOrSet remove(String element) {
      Set<String> r = new HashSet<>(removed);
      adds.stream().filter(t -> t.startsWith(element + "#")).forEach(r::add);
      return new NaiveOrSet(adds, r);
    }

    NaiveOrSet merge(NaiveOrSet o) {
      Set<String> a = new HashSet<>(adds);
      a.addAll(o.adds);
      Set<String> r = new HashSet<>(removed);
      r.addAll(o.removed);
      return new NaiveOrSet(a, r);
    }

    Set<String> elements() {
      Set<String> out = new TreeSet<>();
      adds.stream().filter(t -> !removed.contains(t)).forEach(t -> out.add(t.substring(0, t.indexOf('#'))));
      return out;
    }
  }

  @Test
  void orSetAgreesWithTheTombstoneOrSetAtEveryStep() {
    qt().withExamples(400).forAll(Histories.histories(60)).checkAssert(h -> {
      List<OrSet> sets = new ArrayList<>(List.of(OrSet.empty(KEY), OrSet.empty(KEY), OrSet.empty(KEY)));
      List<NaiveOrSet> oracle = new ArrayList<>(List.of(NaiveOrSet.EMPTY, NaiveOrSet.EMPTY, NaiveOrSet.EMPTY));
      int ids = 0;
      for (Step s : h) {
        int i = s.replica();
        if (s.receive()) {
          sets.set(i, sets.get(i).merge(sets.get(s.from())).merged());
          oracle.set(i, oracle.get(i).merge(oracle.get(s.from())));
        } else {
          String e = "e" + (s.arg() / 2) % 3;
          if (s.arg() % 2 == 0) {
            sets.set(i, sets.get(i).add(node(s), e));
            oracle.set(i, oracle.get(i).add(e, Integer.toString(ids++)));
          } else {
            sets.set(i, sets.get(i).remove(e));
            oracle.set(i, oracle.get(i).remove(e));
          }
        }
        assertThat(sets.get(i).elements()).as("replica %d after %s", i, s).isEqualTo(oracle.get(i).elements());
      }
    });
  }

  @Test
  void orSetAddConcurrentWithRemoveWins() {
    qt().withExamples(300).forAll(Histories.histories(30), integers().between(0, 2), ORDER).checkAssert((h, e, order) -> {
      List<OrSet> sets = new ArrayList<>(List.of(OrSet.empty(KEY), OrSet.empty(KEY), OrSet.empty(KEY)));
      for (Step s : h) {
        int i = s.replica();
        OrSet cur = sets.get(i);
        sets.set(i, s.receive() ? cur.merge(sets.get(s.from())).merged()
            : s.arg() % 2 == 0 ? cur.add(node(s), "e" + s.arg() % 3) : cur.remove("e" + s.arg() % 3));
      }
      // Replica 0 removes the element while replica 1, concurrently, adds it.
      String element = "e" + e;
      sets.set(0, sets.get(0).remove(element));
      sets.set(1, sets.get(1).add(Histories.NODES.get(1), element));
      assertThat(mergeAll(sets, order).contains(element)).isTrue();
    });
  }

  @Test
  void orSetRemoveOfAnObservedAddRemovesIt() {
    NodeId a = NodeId.of("a");
    NodeId b = NodeId.of("b");
    OrSet onA = OrSet.empty(KEY).add(a, "x");
    OrSet onB = OrSet.empty(KEY).merge(onA).merged().remove("x");
    assertThat(onA.merge(onB).merged().contains("x")).isFalse();
    assertThat(onB.merge(onA).merged().contains("x")).isFalse();
    // A re-add after the remove was seen is a new add and survives.
    OrSet readd = onA.merge(onB).merged().add(b, "x");
    assertThat(readd.merge(onB).merged().contains("x")).isTrue();
  }

  /**
   * Runs a register history, recording every write's dot and every reported value, then checks that
   * after all replicas merge each write is present or was reported, never both and never neither.
   */
  private static <T extends Mergeable<T>> void accountForEveryWrite(
      List<Step> h, int order, T empty, RegisterOps<T> ops) {
    List<T> regs = new ArrayList<>(List.of(empty, empty, empty));
    Map<Dot, String> written = new HashMap<>();
    List<Superseded> reported = new ArrayList<>();
    for (Step s : h) {
      int i = s.replica();
      if (s.receive()) {
        MergeOutcome<T> out = regs.get(i).merge(regs.get(s.from()));
        reported.addAll(out.superseded());
        regs.set(i, out.merged());
      } else {
        MergeOutcome<T> out = ops.local(regs.get(i), node(s), s.arg());
        if (out == null) {
          continue; // refused, nothing written
        }
        reported.addAll(out.superseded());
        List<Sibling> now = ops.siblings(out.merged());
        if (now.isEmpty()) {
          // A delete: it wrote nothing and dropped every sibling seen here, as DELETED.
          assertThat(out.superseded()).hasSize(ops.siblings(regs.get(i)).size())
              .allMatch(x -> x.reason() == SupersedeReason.DELETED);
        } else {
          assertThat(now).hasSize(1);
          written.put(now.get(0).dot(), now.get(0).value());
        }
        regs.set(i, out.merged());
      }
    }
    T all = mergeAll(regs, order);
    Map<Dot, Integer> times = new HashMap<>();
    for (Superseded r : reported) {
      VectorClock clock = (VectorClock) r.clock();
      Dot dot = new Dot(r.node(), clock.get(r.node()));
      assertThat(r.value()).isEqualTo(written.get(dot));
      times.merge(dot, 1, Integer::sum);
    }
    Set<Dot> present = new HashSet<>();
    for (Sibling s : ops.siblings(all)) {
      present.add(s.dot());
    }
    for (Dot dot : written.keySet()) {
      // Present xor reported. Reported possibly more than once: two sides that overwrote the same
      // value concurrently both report it (the audit log de-duplicates on key and clock).
      boolean wasReported = times.containsKey(dot);
      assertThat(present.contains(dot) != wasReported)
          .as("write %s present (%s) xor reported (%s)", dot, present, reported).isTrue();
    }
    assertThat(written.keySet()).containsAll(times.keySet());
    // Whatever is kept is there because it is concurrent with every other kept write.
    List<Sibling> kept = ops.siblings(all);
    for (Sibling x : kept) {
      for (Sibling y : kept) {
        if (x != y) {
          assertThat(x.causalContext().compare(y.causalContext())).isEqualTo(Causality.CONCURRENT);
        }
      }
    }
  }

  interface RegisterOps<T> {
    /** A local write or resolution; null if refused. */
    MergeOutcome<T> local(T reg, NodeId node, int arg);

    List<Sibling> siblings(T reg);
  }

  @Test
  void mvRegisterKeepsOrReportsEveryWrite() {
    qt().withExamples(400).forAll(Histories.histories(50), ORDER).checkAssert((h, order) ->
        accountForEveryWrite(h, order, MvRegister.empty(KEY), new RegisterOps<MvRegister>() {
          @Override
          public MergeOutcome<MvRegister> local(MvRegister reg, NodeId node, int arg) {
            return arg % 5 == 4 ? reg.delete() : reg.write(node, "v" + arg % 100);
          }

          @Override
          public List<Sibling> siblings(MvRegister reg) {
            return reg.siblings();
          }
        }));
  }

  @Test
  void manualRegisterKeepsOrReportsEveryWrite() {
    qt().withExamples(400).forAll(Histories.histories(50), ORDER).checkAssert((h, order) ->
        accountForEveryWrite(h, order, ManualRegister.empty(KEY), new RegisterOps<ManualRegister>() {
          @Override
          public MergeOutcome<ManualRegister> local(ManualRegister reg, NodeId node, int arg) {
            if (arg % 3 == 0) {
              MergeOutcome<ManualRegister> out = reg.resolve(node, "r" + arg % 100);
              assertThat(out.superseded()).hasSize(reg.siblings().size())
                  .allMatch(s -> s.reason() == SupersedeReason.RESOLVED);
              return out;
            }
            ManualRegister.Write w = arg % 5 == 4 ? reg.delete() : reg.write(node, "v" + arg % 100);
            if (w instanceof ManualRegister.Write.RefusedInConflict r) {
              assertThat(reg.inConflict()).isTrue();
              assertThat(r.register()).isEqualTo(reg);
              return null;
            }
            assertThat(reg.inConflict()).isFalse();
            return ((ManualRegister.Write.Accepted) w).outcome();
          }

          @Override
          public List<Sibling> siblings(ManualRegister reg) {
            return reg.siblings();
          }
        }));
  }

  @Test
  void concurrentWritesBecomeSiblingsAndAManualConflictUntilResolved() {
    NodeId a = NodeId.of("a");
    NodeId b = NodeId.of("b");
    ManualRegister base = ManualRegister.empty(KEY);
    ManualRegister onA = ((ManualRegister.Write.Accepted) base.write(a, "left")).outcome().merged();
    ManualRegister onB = ((ManualRegister.Write.Accepted) base.write(b, "right")).outcome().merged();
    ManualRegister healed = onA.merge(onB).merged();
    assertThat(healed.inConflict()).isTrue();
    assertThat(healed.siblings()).extracting(Sibling::value).containsExactly("left", "right");
    assertThat(healed.write(a, "third")).isInstanceOf(ManualRegister.Write.RefusedInConflict.class);

    MergeOutcome<ManualRegister> resolved = healed.resolve(b, "both");
    assertThat(resolved).isInstanceOf(MergeOutcome.Superseding.class);
    assertThat(resolved.superseded()).extracting(Superseded::value).containsExactly("left", "right");
    assertThat(resolved.superseded()).extracting(Superseded::node).containsExactly(a, b);
    ManualRegister after = resolved.merged();
    assertThat(after.inConflict()).isFalse();
    // The resolution dominates both sides: merging a stale copy back does not reopen the conflict.
    assertThat(after.merge(onA).merged()).isEqualTo(after);
    assertThat(onB.merge(after).merged()).isEqualTo(after);

    MvRegister mv = MvRegister.empty(KEY).write(a, "x").merged().merge(MvRegister.empty(KEY).write(b, "y").merged()).merged();
    assertThat(mv.hasSiblings()).isTrue();
    assertThat(mv.siblings()).extracting(Sibling::value).containsExactly("x", "y");
  }

  /** A binary merge tree over leaves: each leaf (write) enters the tree exactly once. */
  @Test
  void lwwPicksTheMaximumStampAndReportsEachLoserExactlyOnce() {
    Gen<List<Integer>> stamps = lists().of(integers().between(0, 2_000)).ofSizeBetween(1, 30);
    Gen<List<Integer>> shapes = lists().of(integers().between(0, Integer.MAX_VALUE)).ofSizeBetween(30, 30);
    qt().withExamples(400).forAll(stamps, shapes).checkAssert((raw, shape) -> {
      List<LwwRegister> leaves = new ArrayList<>();
      Set<Hlc> seen = new HashSet<>();
      for (int i = 0; i < raw.size(); i++) {
        int r = raw.get(i);
        // Few distinct physical times, so ties on physical and logical happen and node ids decide.
        Hlc stamp = new Hlc(r % 5, (r / 5) % 3, Histories.NODES.get((r / 15) % 3));
        if (seen.add(stamp)) {
          // Every seventh write is a delete: a tombstone competes like any write.
          leaves.add(i % 7 == 6 ? LwwRegister.tombstone(KEY, stamp) : new LwwRegister(KEY, "value-" + stamp, stamp));
        }
      }
      long tombstones = leaves.stream().filter(LwwRegister::deleted).count();
      Hlc max = seen.stream().max(Hlc::compareTo).orElseThrow();
      List<Superseded> reported = new ArrayList<>();
      List<LwwRegister> work = new ArrayList<>(leaves);
      int step = 0;
      while (work.size() > 1) {
        int x = shape.get(step++ % shape.size()) % work.size();
        LwwRegister left = work.remove(x);
        int y = shape.get(step++ % shape.size()) % work.size();
        LwwRegister right = work.remove(y);
        MergeOutcome<LwwRegister> out = left.merge(right);
        // The loser is reported unless it is a tombstone (a delete held no value to lose).
        assertThat(out.superseded()).hasSize(left.stamp().compareTo(right.stamp()) > 0
            ? (right.deleted() ? 0 : 1) : (left.deleted() ? 0 : 1));
        reported.addAll(out.superseded());
        work.add(out.merged());
      }
      LwwRegister winner = work.get(0);
      assertThat(winner.stamp()).isEqualTo(max);
      assertThat(winner.value()).isEqualTo(winner.deleted() ? "" : "value-" + max);
      assertThat(reported).hasSize((int) (leaves.size() - 1 - tombstones + (winner.deleted() ? 1 : 0)));
      assertThat(reported).extracting(Superseded::clock).doesNotHaveDuplicates().doesNotContain(max);
      for (Superseded s : reported) {
        assertThat(s.reason()).isEqualTo(SupersedeReason.LWW_OLDER);
        assertThat(s.value()).isEqualTo("value-" + s.clock());
        assertThat(s.node()).isEqualTo(((Hlc) s.clock()).node());
        assertThat(s.key()).isEqualTo(KEY);
      }
    });
  }

  @Test
  void lwwDeleteIsAStampedWriteOfAbsent() {
    NodeId a = NodeId.of("a");
    LwwRegister written = new LwwRegister(KEY, "v1", new Hlc(10, 0, a));
    MergeOutcome<LwwRegister> deleted = written.delete(new Hlc(20, 0, a));
    assertThat(deleted.merged()).isEqualTo(LwwRegister.tombstone(KEY, new Hlc(20, 0, a)));
    assertThat(deleted.superseded()).singleElement().satisfies(s -> {
      assertThat(s.value()).isEqualTo("v1");
      assertThat(s.reason()).isEqualTo(SupersedeReason.DELETED);
    });
    LwwRegister tombstone = deleted.merged();
    // An earlier write from a side that had not seen the delete loses to it, and is reported.
    LwwRegister earlier = new LwwRegister(KEY, "v0", new Hlc(15, 0, NodeId.of("b")));
    MergeOutcome<LwwRegister> stale = tombstone.merge(earlier);
    assertThat(stale.merged()).isEqualTo(tombstone);
    assertThat(stale.superseded()).extracting(Superseded::value).containsExactly("v0");
    assertThat(earlier.merge(tombstone).merged()).isEqualTo(tombstone);
    // A later write wins over the tombstone; nothing is reported (the tombstone held no value).
    LwwRegister later = new LwwRegister(KEY, "v2", new Hlc(25, 0, NodeId.of("b")));
    assertThat(tombstone.merge(later)).isEqualTo(new MergeOutcome.Clean<>(later));
    assertThat(later.merge(tombstone)).isEqualTo(new MergeOutcome.Clean<>(later));
    // Deleting a tombstone again reports nothing.
    assertThat(tombstone.delete(new Hlc(30, 0, a)).superseded()).isEmpty();
  }

  @Test
  void mvDeleteWinsOverStaleCopiesAndLosesToAConcurrentWrite() {
    NodeId a = NodeId.of("a");
    NodeId b = NodeId.of("b");
    MvRegister shared = MvRegister.empty(KEY).write(a, "x").merged();
    MergeOutcome<MvRegister> deleted = shared.delete();
    assertThat(deleted.merged().isDeleted()).isTrue();
    assertThat(deleted.superseded()).extracting(Superseded::value, Superseded::reason)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("x", SupersedeReason.DELETED));
    // A stale copy merged back stays deleted.
    assertThat(deleted.merged().merge(shared).merged().isDeleted()).isTrue();
    // A write on another side that had seen "x", concurrent with the delete, survives it.
    MvRegister concurrent = shared.write(b, "y").merged();
    MvRegister healed = deleted.merged().merge(concurrent).merged();
    assertThat(healed.siblings()).extracting(Sibling::value).containsExactly("y");
    // A manual key in conflict refuses a delete, like a write.
    ManualRegister left = ((ManualRegister.Write.Accepted) ManualRegister.empty(KEY).write(a, "l")).outcome().merged();
    ManualRegister right = ((ManualRegister.Write.Accepted) ManualRegister.empty(KEY).write(b, "r")).outcome().merged();
    assertThat(left.merge(right).merged().delete()).isInstanceOf(ManualRegister.Write.RefusedInConflict.class);
  }

  @Test
  void lwwTieOnPhysicalAndLogicalIsBrokenByNodeId() {
    LwwRegister n1 = new LwwRegister(KEY, "from n1", new Hlc(10, 2, NodeId.of("n1")));
    LwwRegister n2 = new LwwRegister(KEY, "from n2", new Hlc(10, 2, NodeId.of("n2")));
    MergeOutcome<LwwRegister> out = n1.merge(n2);
    assertThat(out.merged()).isEqualTo(n2);
    assertThat(out.superseded()).singleElement().satisfies(s -> {
      assertThat(s.value()).isEqualTo("from n1");
      assertThat(s.node()).isEqualTo(NodeId.of("n1"));
      assertThat(s.reason()).isEqualTo(SupersedeReason.LWW_OLDER);
    });
    assertThat(n2.merge(n1)).isEqualTo(out);
    assertThat(n2.merge(n2)).isInstanceOf(MergeOutcome.Clean.class);
  }

  @Test
  void lwwWriteReportsTheOverwrittenValue() {
    LwwRegister r = new LwwRegister(KEY, "old", new Hlc(10, 0, NodeId.of("n1")));
    MergeOutcome<LwwRegister> out = r.write("new", new Hlc(11, 0, NodeId.of("n2")));
    assertThat(out.merged().value()).isEqualTo("new");
    assertThat(out.superseded()).singleElement().extracting(Superseded::value, Superseded::reason)
        .containsExactly("old", SupersedeReason.OVERWRITTEN);
  }
}
