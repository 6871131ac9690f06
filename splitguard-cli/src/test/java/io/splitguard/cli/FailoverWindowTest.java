package io.splitguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitguard.cli.FailoverWindow.Write;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The client-visible unavailability window, from hand-made write records (times in ms). */
class FailoverWindowTest {

  private static Write ok(long start, long end) {
    return new Write(start * 1_000_000, end * 1_000_000, true);
  }

  private static Write failed(long start, long end) {
    return new Write(start * 1_000_000, end * 1_000_000, false);
  }

  private static long windowMs(List<Write> writes, long faultMs) {
    return FailoverWindow.of(writes, faultMs * 1_000_000).orElseThrow().nanos() / 1_000_000;
  }

  @Test
  void fromLastAckBeforeToFirstAckAfter() {
    List<Write> writes = List.of(ok(0, 10), ok(10, 20), failed(20, 520), failed(520, 1020),
        ok(1020, 1500), ok(1500, 1510));

    assertThat(windowMs(writes, 25)).isEqualTo(1500 - 20);
  }

  @Test
  void writeInFlightAtTheFault_isLeftOutEvenIfAcknowledgedLater() {
    // Sent at 20 before the fault at 25, answered at 30: its answer may have been in a socket
    // buffer when the leader died, so it says nothing about recovery.
    List<Write> writes = List.of(ok(10, 20), ok(20, 30), failed(30, 530), ok(530, 900));

    assertThat(windowMs(writes, 25)).isEqualTo(900 - 20);
  }

  @Test
  void firstAckAfter_isTheEarliestAnswerNotTheEarliestSend() {
    // Two writes sent after the fault (a retry overlapping a slow one): the earlier answer counts.
    List<Write> writes = List.of(ok(0, 5), ok(100, 800), ok(200, 700));

    assertThat(windowMs(writes, 50)).isEqualTo(700 - 5);
  }

  @Test
  void noAckAfterTheFault_noWindow() {
    assertThat(FailoverWindow.of(List.of(ok(0, 5), failed(10, 510)), 7_000_000)).isEmpty();
  }

  @Test
  void noAckBeforeTheFault_noWindow() {
    assertThat(FailoverWindow.of(List.of(failed(0, 5), ok(10, 20)), 7_000_000)).isEmpty();
  }

  @Test
  void median_oddAndEvenCounts() {
    assertThat(FailoverWindow.median(List.of(300L, 100L, 200L))).isEqualTo(200.0);
    assertThat(FailoverWindow.median(List.of(400L, 100L, 200L, 300L))).isEqualTo(250.0);
    assertThat(FailoverWindow.median(List.of())).isNaN();
  }
}
