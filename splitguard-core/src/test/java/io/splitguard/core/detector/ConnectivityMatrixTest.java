package io.splitguard.core.detector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import io.splitguard.core.cluster.NodeId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Merging own and reported views: diagrams first, then random graphs against a naive oracle. */
class ConnectivityMatrixTest {
  private static final NodeId A = NodeId.of("a");
  private static final NodeId B = NodeId.of("b");
  private static final NodeId C = NodeId.of("c");
  private static final NodeId D = NodeId.of("d");
  private static final List<NodeId> ABCD = List.of(A, B, C, D);

  @Test
  void a_losesB_butC_hearsB_soB_isIndirectlyReachableViaC() {
    // a hears c and d; c hears everyone; d hears a and c; b's report to a is stale.
    ConnectivityMatrix m = ConnectivityMatrix.of(A, ABCD, Set.of(C, D), Map.of(
        B, Set.of(A, C, D),
        C, Set.of(A, B, D),
        D, Set.of(A, C)));
    assertThat(m.directlyReachable()).containsExactly(C, D);
    assertThat(m.indirectlyReachable()).containsExactly(Map.entry(B, Set.of(C)));
    assertThat(m.unreachable()).isEmpty();
    assertThat(m.hasViewOf(B)).as("b is not heard, so its view is stale").isFalse();
    assertThat(m.reaches(B, A)).isFalse();
    assertThat(m.reaches(C, B)).isTrue();
    assertThat(m.reaches(A, B)).isFalse();
  }

  @Test
  void aPeerNobodyHearsIsUnreachable_crashedOrCutOffFromAll() {
    ConnectivityMatrix m = ConnectivityMatrix.of(A, ABCD, Set.of(B, C), Map.of(
        B, Set.of(A, C),
        C, Set.of(A, B)));
    assertThat(m.indirectlyReachable()).isEmpty();
    assertThat(m.unreachable()).containsExactly(D);
  }

  @Test
  void oneWayLinksAreListed_c_hearsB_butB_doesNotHearC() {
    ConnectivityMatrix m = ConnectivityMatrix.of(A, ABCD, Set.of(B, C, D), Map.of(
        B, Set.of(A, D),
        C, Set.of(A, B, D),
        D, Set.of(A, B, C)));
    assertThat(m.asymmetricLinks()).containsExactly(new ConnectivityMatrix.Link(C, B));
  }

  @Test
  void selfLoopsNonMembersAndAMissingSelfAreHandled() {
    NodeId stranger = NodeId.of("zz");
    ConnectivityMatrix m = ConnectivityMatrix.of(A, ABCD, Set.of(A, B, stranger), Map.of(
        B, Set.of(B, A, C, stranger),
        stranger, Set.of(D)));
    assertThat(m.directlyReachable()).containsExactly(B);
    assertThat(m.reaches(B, B)).isFalse();
    assertThat(m.indirectlyReachable()).containsExactly(Map.entry(C, Set.of(B)));
    assertThat(m.unreachable()).containsExactly(D);
    assertThat(m.members()).containsExactly(A, B, C, D);
    assertThatThrownBy(() -> ConnectivityMatrix.of(stranger, ABCD, Set.of(), Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zz");
  }

  // ---- against a naive oracle on random graphs ----

  @Test
  void matchesANaiveOracleOnRandomGraphs() {
    qt().withExamples(1500)
        .forAll(integers().between(1, 9), longs().all())
        .checkAssert((n, seed) -> {
          SplittableRandom random = new SplittableRandom(seed);
          List<NodeId> members = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            members.add(NodeId.of("n" + i));
          }
          double density = random.nextDouble();
          boolean[][] hears = new boolean[n][n];
          for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
              hears[i][j] = i != j && random.nextDouble() < density;
            }
          }
          int self = random.nextInt(n);
          Set<NodeId> own = new HashSet<>();
          for (int j = 0; j < n; j++) {
            if (hears[self][j]) {
              own.add(members.get(j));
            }
          }
          // Every peer may or may not have reported (including the ones we do not hear).
          Map<NodeId, Set<NodeId>> reports = new HashMap<>();
          boolean[] reported = new boolean[n];
          for (int i = 0; i < n; i++) {
            if (i != self && random.nextDouble() < 0.8) {
              reported[i] = true;
              Set<NodeId> view = new HashSet<>();
              for (int j = 0; j < n; j++) {
                if (hears[i][j]) {
                  view.add(members.get(j));
                }
              }
              reports.put(members.get(i), view);
            }
          }
          ConnectivityMatrix m = ConnectivityMatrix.of(members.get(self), members, own, reports);

          // The oracle: a view is known for self and for heard peers that reported.
          boolean[] known = new boolean[n];
          for (int i = 0; i < n; i++) {
            known[i] = i == self || (hears[self][i] && reported[i]);
          }
          Map<NodeId, Set<NodeId>> indirect = new TreeMap<>();
          Set<NodeId> unreachable = new TreeSet<>();
          for (int t = 0; t < n; t++) {
            if (t == self || hears[self][t]) {
              continue;
            }
            Set<NodeId> relays = new TreeSet<>();
            for (int r = 0; r < n; r++) {
              if (r != self && known[r] && hears[r][t]) {
                relays.add(members.get(r));
              }
            }
            if (relays.isEmpty()) {
              unreachable.add(members.get(t));
            } else {
              indirect.put(members.get(t), relays);
            }
          }
          List<ConnectivityMatrix.Link> asymmetric = new ArrayList<>();
          for (int f = 0; f < n; f++) {
            for (int t = 0; t < n; t++) {
              if (known[f] && known[t] && hears[f][t] && !hears[t][f]) {
                asymmetric.add(new ConnectivityMatrix.Link(members.get(f), members.get(t)));
              }
            }
          }
          asymmetric.sort((x, y) -> x.from().equals(y.from())
              ? x.to().compareTo(y.to()) : x.from().compareTo(y.from()));

          String at = "seed=" + seed + " n=" + n;
          assertThat(m.directlyReachable()).as(at).isEqualTo(own);
          assertThat(new LinkedHashMap<>(m.indirectlyReachable())).as(at).isEqualTo(indirect);
          assertThat(m.unreachable()).as(at).isEqualTo(unreachable);
          assertThat(m.asymmetricLinks()).as(at).isEqualTo(asymmetric);
          for (int f = 0; f < n; f++) {
            assertThat(m.hasViewOf(members.get(f))).as(at).isEqualTo(known[f]);
            for (int t = 0; t < n; t++) {
              assertThat(m.reaches(members.get(f), members.get(t)))
                  .as(at).isEqualTo(known[f] && hears[f][t]);
            }
          }
          // Every peer is exactly one of: direct, indirect, unreachable.
          assertThat(m.directlyReachable().size() + m.indirectlyReachable().size()
              + m.unreachable().size()).as(at).isEqualTo(n - 1);
        });
  }
}
