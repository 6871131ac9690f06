package io.splitguard.chaos.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitguard.chaos.history.Fn;
import io.splitguard.chaos.history.History;
import io.splitguard.chaos.history.HistoryEvent;
import io.splitguard.chaos.history.Operation;
import io.splitguard.chaos.history.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The search (with its memoisation and pruning) agrees with a brute-force oracle that tries every
 * order of a small history, on valid and mutated random histories alike.
 */
class OracleCrossCheckTest {

  @Test
  void searchAgreesWithBruteForceOnSmallHistories() {
    RegisterSimulator.Config small = new RegisterSimulator.Config(1, 3, 8, 25, 10);
    LinearizabilityChecker checker = new LinearizabilityChecker();
    int valid = 0;
    int invalid = 0;
    for (long seed = 1; seed <= 3000; seed++) {
      List<HistoryEvent> events = RegisterSimulator.generate(seed, small);
      List<HistoryEvent> mutated = RegisterSimulator.mutateOneRead(events, new Random(seed));
      for (List<HistoryEvent> candidate : mutated == null ? List.of(events) : List.of(events, mutated)) {
        History h = History.pair(candidate);
        boolean expected = bruteForce(h.operations());
        Validity actual = checker.check(h).validity();
        assertThat(actual).as("seed %d%s: %s", seed, candidate == events ? "" : " (mutated)", h.operations())
            .isEqualTo(expected ? Validity.VALID : Validity.INVALID);
        if (expected) {
          valid++;
        } else {
          invalid++;
        }
      }
    }
    System.out.printf("oracle cross-check: %d valid, %d invalid small histories agree%n", valid, invalid);
    assertThat(invalid).isGreaterThan(1000);
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
          legal = op.outcome() != Outcome.OK || java.util.Objects.equals(state, op.output().text());
        }
        case WRITE -> next = op.input().text();
        default -> {
          var swap = (io.splitguard.chaos.history.Value.Swap) op.input();
          boolean matches = java.util.Objects.equals(state, swap.expected());
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
