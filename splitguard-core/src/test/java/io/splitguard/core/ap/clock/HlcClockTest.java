package io.splitguard.core.ap.clock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitguard.core.cluster.NodeId;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class HlcClockTest {
  private static final NodeId N1 = NodeId.of("n1");
  private static final NodeId N2 = NodeId.of("n2");

  private static HlcClock clock(NodeId node) {
    return new HlcClock(new HlcSettings(node, Duration.ofMillis(500)));
  }

  @Test
  void followsTheWallClockAndCountsWithinAMillisecond() {
    HlcClock c = clock(N1);
    assertThat(c.now(1_000).orThrow()).isEqualTo(new Hlc(1_000, 0, N1));
    assertThat(c.now(1_000).orThrow()).isEqualTo(new Hlc(1_000, 1, N1));
    assertThat(c.now(999).orThrow()).as("wall clock stepped back a little").isEqualTo(new Hlc(1_000, 2, N1));
    assertThat(c.now(1_001).orThrow()).isEqualTo(new Hlc(1_001, 0, N1));
  }

  @Test
  void receivingAStampFromAheadMovesTheClockPastIt() {
    HlcClock c = clock(N1);
    c.now(1_000).orThrow();
    Hlc received = c.update(new Hlc(1_300, 7, N2), 1_010).orThrow();
    assertThat(received).isEqualTo(new Hlc(1_300, 8, N1));
    assertThat(c.now(1_020).orThrow()).isEqualTo(new Hlc(1_300, 9, N1));
    assertThat(c.now(1_301).orThrow()).isEqualTo(new Hlc(1_301, 0, N1));
  }

  @Test
  void refusesToStampWhenTheLocalClockIsTooFarBehindAndSaysWhy() {
    HlcClock c = clock(N1);
    c.update(new Hlc(10_400, 0, N2), 10_000).orThrow();
    // Exactly at the bound is still accepted.
    assertThat(c.now(9_901 - 1)).isInstanceOf(HlcResult.Stamped.class);
    HlcResult r = c.now(9_899);
    assertThat(r).isEqualTo(new HlcResult.Refused(HlcResult.Reason.LOCAL_CLOCK_BEHIND, 9_899, 10_400, 500));
    HlcResult.Refused refused = (HlcResult.Refused) r;
    assertThat(refused.offsetMs()).isEqualTo(501);
    assertThat(refused.message()).contains("9899", "501 ms behind", "10400", "max offset 500 ms");
    assertThatThrownBy(r::orThrow).isInstanceOf(ClockSkewException.class).hasMessage(refused.message());
  }

  @Test
  void refusesARemoteStampTooFarAheadWithoutMovingTheClock() {
    HlcClock c = clock(N1);
    Hlc before = c.now(1_000).orThrow();
    HlcResult r = c.update(new Hlc(1_501, 0, N2), 1_000);
    assertThat(r).isEqualTo(new HlcResult.Refused(HlcResult.Reason.REMOTE_CLOCK_AHEAD, 1_000, 1_501, 500));
    assertThat(((HlcResult.Refused) r).message()).contains("1501", "501 ms ahead", "1000");
    assertThat(c.highestPhysicalMs()).isEqualTo(1_000);
    assertThat(c.now(1_000).orThrow()).isEqualTo(new Hlc(1_000, before.logical() + 1, N1));
    assertThat(c.update(new Hlc(1_500, 0, N2), 1_000)).isInstanceOf(HlcResult.Stamped.class);
  }

  @Test
  void aRestoredClockNeverReissuesAStamp() {
    Hlc last = new Hlc(5_000, 3, N1);
    HlcClock c = HlcClock.restored(new HlcSettings(N1, Duration.ofMillis(500)), last);
    assertThat(c.now(4_900).orThrow()).isEqualTo(new Hlc(5_000, 4, N1));
  }

  @Test
  void orderIsPhysicalThenLogicalThenNode() {
    assertThat(new Hlc(2, 0, N1)).isGreaterThan(new Hlc(1, 9, N2));
    assertThat(new Hlc(1, 2, N1)).isGreaterThan(new Hlc(1, 1, N2));
    assertThat(new Hlc(1, 1, N2)).isGreaterThan(new Hlc(1, 1, N1));
    assertThatThrownBy(() -> new Hlc(-1, 0, N1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new HlcSettings(N1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
  }
}
