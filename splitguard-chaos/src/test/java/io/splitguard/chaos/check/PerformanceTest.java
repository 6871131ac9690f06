package io.splitguard.chaos.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitguard.chaos.history.History;
import io.splitguard.chaos.history.HistoryEvent;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Size checks: a history of 10,000 operations over 100 keys checks in seconds. No timing is
 * asserted (the timeout only guards against a hang); the elapsed time is printed.
 */
class PerformanceTest {

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void tenThousandOperationsOverAHundredKeys() {
    long seed = 20240601L;
    List<HistoryEvent> events =
        RegisterSimulator.generate(seed, new RegisterSimulator.Config(100, 10, 10_000, 5, 5));
    History h = History.pair(events);
    long t0 = System.nanoTime();
    CheckReport report = HistoryCheck.check(h, null);
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    System.out.printf("10k ops / 100 keys / 10 processes (seed %d): %d operations checked in %d ms%n",
        seed, h.operations().size(), ms);
    assertThat(report.validity()).as("seed %d", seed).isEqualTo(Validity.VALID);
    assertThat(h.operations()).hasSize(10_000);

    List<HistoryEvent> bad = RegisterSimulator.mutateOneRead(events, new Random(seed));
    t0 = System.nanoTime();
    CheckReport badReport = HistoryCheck.check(History.pair(bad), null);
    System.out.printf("same with one mutated read: %s in %d ms%n", badReport.validity(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void tenThousandOperationsOnOneHotKeyWithTimeouts() {
    // The hard case: one key, 10 processes, 10% timeouts, some landing late. A broken version
    // exhausts the depth-first budget and is decided by the just-in-time search.
    long seed = 1L;
    List<HistoryEvent> events =
        RegisterSimulator.generate(seed, new RegisterSimulator.Config(1, 10, 10_000, 10, 5));
    long t0 = System.nanoTime();
    CheckReport good = HistoryCheck.check(History.pair(events), null);
    System.out.printf("10k ops / 1 hot key / 10 processes / 10%% info (seed %d): %s in %d ms%n", seed,
        good.validity(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    assertThat(good.validity()).as("seed %d", seed).isEqualTo(Validity.VALID);
    List<HistoryEvent> bad = RegisterSimulator.mutateOneRead(events, new Random(seed));
    t0 = System.nanoTime();
    CheckReport badReport = HistoryCheck.check(History.pair(bad), null);
    System.out.printf("  with one mutated read: %s in %d ms%n", badReport.validity(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    assertThat(badReport.validity()).as("seed %d", seed).isEqualTo(Validity.INVALID);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void tenThousandOperationsOnFewHotKeys() {
    // Much more contention per key: 10 processes over 5 keys, 10% timeouts.
    long seed = 7L;
    List<HistoryEvent> events =
        RegisterSimulator.generate(seed, new RegisterSimulator.Config(5, 10, 10_000, 10, 5));
    History h = History.pair(events);
    long t0 = System.nanoTime();
    CheckReport report = HistoryCheck.check(h, null);
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    System.out.printf("10k ops / 5 hot keys / 10 processes (seed %d): %s in %d ms%n", seed, report.validity(), ms);
    assertThat(report.validity()).as("seed %d", seed).isEqualTo(Validity.VALID);

    // A broken history has to be searched exhaustively up to the violation: the expensive case.
    for (int i = 0; i < 5; i++) {
      List<HistoryEvent> bad = RegisterSimulator.mutateOneRead(events, new Random(seed + i));
      t0 = System.nanoTime();
      CheckReport badReport = HistoryCheck.check(History.pair(bad), null);
      System.out.printf("  with one mutated read (#%d): %s in %d ms%n", i, badReport.validity(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }
  }
}
