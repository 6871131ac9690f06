package io.splitguard.chaos.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitguard.chaos.history.Fn;
import io.splitguard.chaos.history.History;
import io.splitguard.chaos.history.HistoryEvent;
import io.splitguard.chaos.history.Operation;
import io.splitguard.chaos.history.Outcome;
import io.splitguard.chaos.history.Value;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Both searches — depth-first (with its memoisation, search order, forced reads and pruning) and
 * just-in-time (with absorption, expiry and dominance) — agree with a brute-force oracle that tries
 * every order of a small history, on valid and mutated random histories, with unique values and
 * with values written more than once.
 */
class OracleCrossCheckTest {

  @Test
  void searchesAgreeWithBruteForceOnSmallHistories() {
    List<RegisterSimulator.Config> shapes = List.of(
        new RegisterSimulator.Config(1, 3, 8, 25, 10),
        new RegisterSimulator.Config(1, 4, 9, 40, 0),
        new RegisterSimulator.Config(1, 4, 9, 20, 10, 3)); // repeated values
    int valid = 0;
    int invalid = 0;
    for (RegisterSimulator.Config shape : shapes) {
      for (long seed = 1; seed <= 1500; seed++) {
        List<HistoryEvent> events = RegisterSimulator.generate(seed, shape);
        List<HistoryEvent> mutated = RegisterSimulator.mutateOneRead(events, new Random(seed));
        for (List<HistoryEvent> candidate : mutated == null ? List.of(events) : List.of(events, mutated)) {
          History h = History.pair(candidate);
          String what = String.format("seed %d, %s%s: %s", seed, shape, candidate == events ? "" : " (mutated)",
              h.operations());
          boolean expected = bruteForce(h.operations());
          Validity want = expected ? Validity.VALID : Validity.INVALID;
          List<Operation> ops = new ArrayList<>(LinearizabilityChecker.relevant(h.operations()));
          ops.sort(Comparator.comparingLong(Operation::invokeTime).thenComparingInt(Operation::id));
          WglSearch wgl = new WglSearch(ops, new RegisterModel(ops));
          wgl.run(1_000_000);
          assertThat(wgl.result).as("depth-first, " + what).isEqualTo(want);
          FrontierSearch frontier = new FrontierSearch(ops, new RegisterModel(ops));
          frontier.run(1_000_000);
          assertThat(frontier.result).as("just-in-time, " + what).isEqualTo(want);
          if (expected) {
            valid++;
          } else {
            invalid++;
          }
        }
      }
    }
    System.out.printf("oracle cross-check: %d valid, %d invalid small histories, both searches agree%n",
        valid, invalid);
    assertThat(invalid).isGreaterThan(1500);
  }

  /** Whether some order of the ops explains every ok result; info ops may be left out entirely. */
  static boolean bruteForce(List<Operation> all) {
    List<Operation> ops = new ArrayList<>();
    for (Operation op : all) {
      if (op.outcome() != Outcome.FAIL) {
        ops.add(op);
      }
    }
    return search(ops, new boolean[ops.size()], null);
  }

  private static boolean search(List<Operation> ops, boolean[] done, String state) {
    boolean onlyIndeterminateLeft = true;
    for (int i = 0; i < ops.size(); i++) {
      if (!done[i] && ops.get(i).outcome() == Outcome.OK) {
        onlyIndeterminateLeft = false;
      }
    }
    if (onlyIndeterminateLeft) {
      return true;
    }
    for (int i = 0; i < ops.size(); i++) {
      if (done[i] || !minimal(ops, done, i)) {
        continue;
      }
      Operation op = ops.get(i);
      String next;
      boolean legal = true;
      switch (op.f()) {
        case READ -> {
          next = state;
          legal = op.outcome() != Outcome.OK || Objects.equals(state, op.output().text());
        }
        case WRITE -> next = op.input().text();
        default -> {
          Value.Swap swap = (Value.Swap) op.input();
          boolean matches = Objects.equals(state, swap.expected());
          next = matches ? swap.replacement() : state;
          legal = matches || op.outcome() != Outcome.OK;
        }
      }
      if (legal) {
        done[i] = true;
        boolean ok = search(ops, done, next);
        done[i] = false;
        if (ok) {
          return true;
        }
      }
    }
    return false;
  }

  /** No remaining op certainly finished before op i started. */
  private static boolean minimal(List<Operation> ops, boolean[] done, int i) {
    for (int j = 0; j < ops.size(); j++) {
      if (j != i && !done[j] && ops.get(j).completeTime() < ops.get(i).invokeTime()) {
        return false;
      }
    }
    return true;
  }

  @Test
  void oracleItselfRejectsTheClassicStaleRead() {
    History h = Hist.on("k").write(1, "a", 0, 10).write(1, "b", 20, 30).read(2, "a", 40, 50).build();
    assertThat(bruteForce(h.operations())).isFalse();
    assertThat(h.operations()).extracting(Operation::f).containsExactly(Fn.WRITE, Fn.WRITE, Fn.READ);
  }
}
