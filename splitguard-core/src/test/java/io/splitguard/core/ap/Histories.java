package io.splitguard.core.ap;

import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.splitguard.core.cluster.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.quicktheories.core.Gen;

/**
 * Random replica histories for the AP property tests: a few replicas apply local operations and
 * receive each other's whole state, in any interleaving. States of dot-based types are only
 * meaningful when reached this way (a made-up state may reuse a dot for two writes), so the laws
 * are checked on the states such histories reach.
 */
public final class Histories {
  private Histories() {}

  /** The replicas' node ids. */
  public static final List<NodeId> NODES = List.of(NodeId.of("n1"), NodeId.of("n2"), NodeId.of("n3"));

  /**
   * One step of a history.
   *
   * @param replica the acting replica (index into {@link #NODES})
   * @param receive whether it receives another replica's state instead of acting locally
   * @param from the replica it receives from
   * @param arg the local operation's argument (which operation, which value), non-negative
   */
  public record Step(int replica, boolean receive, int from, int arg) {}

  /** Steps in which about a third are receives. */
  public static final Gen<Step> STEPS = integers().between(0, Integer.MAX_VALUE).map(a -> new Step(
      a % 3, (a / 3) % 3 == 0, (a / 9) % 3, a / 27));

  /** Histories of up to {@code max} steps. */
  public static Gen<List<Step>> histories(int max) {
    return lists().of(STEPS).ofSizeBetween(0, max);
  }

  /**
   * Runs {@code steps}: replica {@code i} starts at {@code initial}, applies {@code local(state,
   * step)} or merges the sender's state with {@code merge}. Returns every state reached, by any
   * replica at any time (initial state first).
   */
  public static <T> List<T> run(
      List<Step> steps, T initial, BiFunction<T, Step, T> local, BiFunction<T, T, T> merge) {
    List<T> replicas = new ArrayList<>(List.of(initial, initial, initial));
    List<T> reached = new ArrayList<>();
    reached.add(initial);
    for (Step s : steps) {
      T state = replicas.get(s.replica());
      T next = s.receive() ? merge.apply(state, replicas.get(s.from())) : local.apply(state, s);
      replicas.set(s.replica(), next);
      reached.add(next);
    }
    reached.addAll(replicas);
    return reached;
  }

  /** Three states picked from a pool by the given indices (wrapping), for the merge laws. */
  public static <T> List<T> pick(List<T> pool, int a, int b, int c) {
    return List.of(pool.get(a % pool.size()), pool.get(b % pool.size()), pool.get(c % pool.size()));
  }

  /** A pool of reached states plus three indices into it. */
  public record Trio<T>(T a, T b, T c) {}

  /** Generates trios of states reached by histories, built with {@code toPool}. */
  public static <T> Gen<Trio<T>> trios(Function<List<Step>, List<T>> toPool) {
    Gen<Integer> idx = integers().between(0, Integer.MAX_VALUE);
    return histories(40).zip(idx, idx, (h, i, j) -> {
      List<T> pool = toPool.apply(h);
      // The third index is derived so that one Gen call yields a trio.
      List<T> p = pick(pool, i, j, i ^ (j >>> 3));
      return new Trio<>(p.get(0), p.get(1), p.get(2));
    });
  }
}
