package io.splitguard.core.fencing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The pause watchdog on a simulated clock. */
class PauseWatchdogTest {
  private static final long MS = 1_000_000;

  @Test
  void onTimeTicksReportNoGap() {
    PauseWatchdog w = new PauseWatchdog(20 * MS, 300 * MS, 0);
    assertThat(w.onTick(20 * MS)).isZero();
    assertThat(w.onTick(41 * MS)).isEqualTo(1 * MS);
    assertThat(w.drainLargestGap()).isEqualTo(1 * MS);
    assertThat(w.drainLargestGap()).isZero();
  }

  @Test
  void aLongGapIsReportedAndOtherThreadsSeeItBeforeTheWatchdogRuns() {
    PauseWatchdog w = new PauseWatchdog(20 * MS, 300 * MS, 0);
    w.onTick(20 * MS);
    // The process was stopped for 5 s: before the watchdog thread runs again, anyone can tell.
    assertThat(w.overdueNanos(5020 * MS)).isEqualTo(4980 * MS);
    assertThat(w.onTick(5040 * MS)).isEqualTo(5000 * MS);
    assertThat(w.overdueNanos(5041 * MS)).isZero();
    assertThat(w.drainLargestGap()).isEqualTo(5000 * MS);
  }

  @Test
  void theGateSeesThePauseFromTheMomentItOutlivesTheThresholdUntilTheQuarantineEnds() {
    PauseWatchdog w = new PauseWatchdog(20 * MS, 300 * MS, 0);
    assertThat(w.pausedOrQuarantined(320 * MS, 1000 * MS)).isFalse();
    assertThat(w.pausedOrQuarantined(321 * MS, 1000 * MS)).isTrue(); // still stopped: overdue
    w.onTick(2000 * MS); // the watchdog ran again: the pause is over, the quarantine begins
    assertThat(w.pausedOrQuarantined(2001 * MS, 1000 * MS)).isTrue();
    for (long t = 2020; t <= 2990; t += 20) {
      w.onTick(t * MS); // back on schedule
    }
    assertThat(w.pausedOrQuarantined(2999 * MS, 1000 * MS)).isTrue();
    assertThat(w.pausedOrQuarantined(3000 * MS, 1000 * MS)).isFalse();
  }
}
