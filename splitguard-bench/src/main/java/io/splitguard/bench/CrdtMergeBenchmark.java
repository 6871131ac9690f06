package io.splitguard.bench;

import io.splitguard.core.ap.clock.Hlc;
import io.splitguard.core.ap.crdt.LwwRegister;
import io.splitguard.core.ap.crdt.MergeOutcome;
import io.splitguard.core.ap.crdt.MvRegister;
import io.splitguard.core.ap.crdt.OrSet;
import io.splitguard.core.ap.crdt.PnCounter;
import io.splitguard.core.cluster.NodeId;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Merging two replicas of each AP value type, what a node does for every state that push
 * replication or anti-entropy delivers and for every key that diverged during a partition. The
 * replicas start from a common state and then diverge the way two sides of a partition do, so
 * that each merge has real work: entries only one side has, entries the other side removed.
 *
 * <p>Each type has its own state, so that {@code size} only multiplies the benchmarks it means
 * something for: the elements of an OR-set, the nodes that contributed to a PN-counter, the
 * nodes in a multi-value register's causal context. An LWW register's merge does not depend on a
 * size. The manual register shares the multi-value register's merge ({@code SiblingSet}), so it is
 * not measured separately.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CrdtMergeBenchmark {

  private static final String VALUE = "v".repeat(100);

  private static NodeId node(int i) {
    return NodeId.of("n" + i);
  }

  /**
   * Two replicas of a PN-counter to which {@code size} nodes contributed; during the partition
   * the even-numbered nodes advanced on one side and the odd-numbered ones on the other.
   */
  @State(Scope.Thread)
  public static class Counters {
    /** Nodes with an entry in the counter: a small cluster, or a counter every client node bumps. */
    @Param({"10", "1000"})
    public int size;

    PnCounter left;
    PnCounter right;

    /** Builds both replicas. */
    @Setup
    public void setUp() {
      TreeMap<NodeId, PnCounter.Totals> a = new TreeMap<>();
      TreeMap<NodeId, PnCounter.Totals> b = new TreeMap<>();
      for (int i = 0; i < size; i++) {
        long inc = 1_000L + i;
        long dec = i;
        boolean even = i % 2 == 0;
        a.put(node(i), new PnCounter.Totals(even ? inc + 17 : inc, dec));
        b.put(node(i), new PnCounter.Totals(even ? inc : inc + 23, even ? dec : dec + 5));
      }
      left = new PnCounter("likes/417", a);
      right = new PnCounter("likes/417", b);
    }
  }

  /**
   * Two replicas of an OR-set of {@code size} elements written by three nodes; during the
   * partition each side removed a different tenth of the elements and added a tenth of new ones.
   */
  @State(Scope.Thread)
  public static class Sets {
    /** Elements in the set before the partition. */
    @Param({"10", "1000"})
    public int size;

    OrSet left;
    OrSet right;

    /** Builds the common set, then lets each side diverge. */
    @Setup
    public void setUp() {
      OrSet base = OrSet.empty("cart/417");
      for (int i = 0; i < size; i++) {
        base = base.add(node(1 + i % 3), "item-" + i);
      }
      OrSet a = base;
      OrSet b = base;
      int churn = Math.max(1, size / 10);
      for (int j = 0; j < churn; j++) {
        a = a.remove("item-" + (j * 10 % size)).add(node(1), "a-item-" + j);
        b = b.remove("item-" + ((j * 10 + 5) % size)).add(node(2), "b-item-" + j);
      }
      left = a;
      right = b;
    }
  }

  /**
   * Two replicas of a multi-value register whose causal context spans {@code size} nodes (every
   * one of them wrote the key once, in turn); during the partition each side wrote it again, so
   * the merge keeps two concurrent siblings.
   */
  @State(Scope.Thread)
  public static class Registers {
    /** Nodes in the register's causal context. */
    @Param({"10", "1000"})
    public int size;

    MvRegister left;
    MvRegister right;

    /** Builds the common history, then the two concurrent writes. */
    @Setup
    public void setUp() {
      MvRegister base = MvRegister.empty("profile/417");
      for (int i = 0; i < size; i++) {
        base = base.write(node(i), VALUE).merged();
      }
      left = base.write(node(0), "a" + VALUE).merged();
      right = base.write(node(1), "b" + VALUE).merged();
    }
  }

  /** Two writes of an LWW register, the older of which merge reports as superseded. */
  @State(Scope.Thread)
  public static class Lww {
    LwwRegister older;
    LwwRegister newer;

    /** Builds the two writes, one millisecond apart, from different nodes. */
    @Setup
    public void setUp() {
      older = new LwwRegister("session/417", "a" + VALUE, new Hlc(1_700_000_000_000L, 0, node(1)));
      newer = new LwwRegister("session/417", "b" + VALUE, new Hlc(1_700_000_000_001L, 0, node(2)));
    }
  }

  @Benchmark
  public MergeOutcome<PnCounter> pnCounterMerge(Counters s) {
    return s.left.merge(s.right);
  }

  @Benchmark
  public MergeOutcome<OrSet> orSetMerge(Sets s) {
    return s.left.merge(s.right);
  }

  @Benchmark
  public MergeOutcome<MvRegister> mvRegisterMerge(Registers s) {
    return s.left.merge(s.right);
  }

  @Benchmark
  public MergeOutcome<LwwRegister> lwwRegisterMerge(Lww s) {
    return s.older.merge(s.newer);
  }
}
