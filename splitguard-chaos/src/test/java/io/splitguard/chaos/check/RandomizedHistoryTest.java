package io.splitguard.chaos.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitguard.chaos.history.History;
import io.splitguard.chaos.history.HistoryEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Histories of a simulated sequential register with random concurrency always pass every checker;
 * the same histories with one read's value changed are almost always caught. Each case's seed is
 * in the assertion message; pass it to {@link RegisterSimulator#generate} to replay.
 */
class RandomizedHistoryTest {
  private static final RegisterSimulator.Config CONTENDED = new RegisterSimulator.Config(2, 5, 200, 10, 10);

  @Test
  void simulatedLinearizableHistoriesAlwaysPass() {
    List<RegisterSimulator.Config> shapes = List.of(
        CONTENDED,
        new RegisterSimulator.Config(1, 10, 300, 20, 5), // heavy contention, many timeouts
        new RegisterSimulator.Config(10, 10, 500, 5, 5),
        new RegisterSimulator.Config(3, 3, 100, 0, 0),
        new RegisterSimulator.Config(2, 5, 200, 10, 10, 4)); // values written more than once
    int checked = 0;
    for (RegisterSimulator.Config shape : shapes) {
      for (long seed = 1; seed <= 100; seed++) {
        History h = History.pair(RegisterSimulator.generate(seed, shape));
        CheckReport report = HistoryCheck.check(h, null);
        assertThat(report.validity()).as("seed %d, %s:%n%s", seed, shape, report.toText())
            .isEqualTo(Validity.VALID);
        checked += h.operations().size();
      }
    }
    System.out.println("randomized: " + checked + " operations in 500 valid histories, no false positive");
  }

  @Test
  void historiesWithOneMutatedReadAreUsuallyRejected() {
    int mutated = 0;
    int caught = 0;
    int caughtByLinearizability = 0;
    List<Long> missed = new ArrayList<>();
    for (long seed = 1; seed <= 300; seed++) {
      List<HistoryEvent> events = RegisterSimulator.generate(seed, CONTENDED);
      assertThat(HistoryCheck.check(History.pair(events), null).passed()).as("seed %d unmutated", seed).isTrue();
      List<HistoryEvent> bad = RegisterSimulator.mutateOneRead(events, new Random(seed * 31));
      if (bad == null) {
        continue;
      }
      mutated++;
      CheckReport report = HistoryCheck.check(History.pair(bad), null);
      if (report.validity() == Validity.INVALID) {
        caught++;
      } else {
        missed.add(seed);
      }
      if (report.verdict(LinearizabilityChecker.NAME).orElseThrow().validity() == Validity.INVALID) {
        caughtByLinearizability++;
      }
      assertThat(report.validity()).as("seed %d", seed).isNotEqualTo(Validity.UNKNOWN);
    }
    System.out.printf("mutated reads: %d/%d caught (%d by linearizability); missed seeds: %s%n",
        caught, mutated, caughtByLinearizability, missed);
    assertThat(mutated).isGreaterThan(250);
    assertThat(caught).as("missed seeds %s", missed).isGreaterThanOrEqualTo((int) Math.ceil(mutated * 0.9));
    // The lost-write rules are a subset of linearizability: it must catch everything they catch.
    assertThat(caughtByLinearizability).isEqualTo(caught);
  }
}
