package io.splitguard.core.fencing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The pause watchdog on a simulated clock. */
class PauseWatchdogTest {
  private static final long MS = 1_000_000;

  @Test
  void onTimeTicksReportNoGap() {
    PauseWatchdog w = new PauseWatchdog(20 * MS, 0);
    assertThat(w.onTick(20 * MS)).isZero();
    assertThat(w.onTick(41 * MS)).isEqualTo(1 * MS);
    assertThat(w.drainLargestGap()).isEqualTo(1 * MS);
    assertThat(w.drainLargestGap()).isZero();
  }

  @Test
  void aLongGapIsReportedAndOtherThreadsSeeItBeforeTheWatchdogRuns() {
    PauseWatchdog w = new PauseWatchdog(20 * MS, 0);
    w.onTick(20 * MS);
    // The process was stopped for 5 s: before the watchdog thread runs again, anyone can tell.
    assertThat(w.overdueNanos(5020 * MS)).isEqualTo(4980 * MS);
    assertThat(w.onTick(5040 * MS)).isEqualTo(5000 * MS);
    assertThat(w.overdueNanos(5041 * MS)).isZero();
    assertThat(w.drainLargestGap()).isEqualTo(5000 * MS);
  }
}
