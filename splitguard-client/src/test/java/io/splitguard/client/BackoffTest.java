package io.splitguard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private static final Duration MS_50 = Duration.ofMillis(50);
  private static final Duration S_1 = Duration.ofSeconds(1);
  private static final Duration LOTS = Duration.ofHours(1);

  @Test
  void cap_doublesFromInitial_andSaturatesAtMax() {
    Backoff b = new Backoff(MS_50, S_1, new SplittableRandom(1));

    assertThat(IntStream.rangeClosed(1, 7).mapToObj(b::cap))
        .containsExactly(
            Duration.ofMillis(50),
            Duration.ofMillis(100),
            Duration.ofMillis(200),
            Duration.ofMillis(400),
            Duration.ofMillis(800),
            S_1,
            S_1);
    assertThat(b.cap(10_000)).isEqualTo(S_1);
  }

  @Test
  void delay_isFullJitter_withinZeroAndCap() {
    Backoff b = new Backoff(MS_50, S_1, new SplittableRandom(7));

    for (int retry = 1; retry <= 20; retry++) {
      for (int i = 0; i < 200; i++) {
        assertThat(b.delay(retry, null, LOTS)).isBetween(Duration.ZERO, b.cap(retry));
      }
    }
  }

  @Test
  void delay_spreadsOverTheWholeRange_notJustNearTheCap() {
    Backoff b = new Backoff(S_1, S_1, new SplittableRandom(3));

    long belowHalf =
        IntStream.range(0, 1000)
            .filter(i -> b.delay(1, null, LOTS).compareTo(Duration.ofMillis(500)) < 0)
            .count();

    assertThat(belowHalf).isBetween(400L, 600L);
  }

  @Test
  void sameSeed_sameDelays() {
    Backoff x = new Backoff(MS_50, S_1, new SplittableRandom(99));
    Backoff y = new Backoff(MS_50, S_1, new SplittableRandom(99));

    for (int retry = 1; retry <= 10; retry++) {
      assertThat(x.delay(retry, null, LOTS)).isEqualTo(y.delay(retry, null, LOTS));
    }
  }

  @Test
  void retryAfter_isALowerBound_whenItFitsBeforeTheDeadline() {
    Backoff b = new Backoff(MS_50, S_1, new SplittableRandom(5));

    assertThat(b.delay(1, Duration.ofSeconds(3), Duration.ofSeconds(10)))
        .isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void retryAfter_isIgnored_whenItReachesTheDeadline() {
    Backoff b = new Backoff(MS_50, S_1, new SplittableRandom(5));

    assertThat(b.delay(1, Duration.ofSeconds(10), Duration.ofSeconds(10))).isLessThanOrEqualTo(MS_50);
  }

  @Test
  void retryAfter_shorterThanTheJitteredDelay_changesNothing() {
    Backoff withHint = new Backoff(S_1, S_1, new SplittableRandom(11));
    Backoff without = new Backoff(S_1, S_1, new SplittableRandom(11));

    assertThat(withHint.delay(1, Duration.ZERO, LOTS)).isEqualTo(without.delay(1, null, LOTS));
  }

  @Test
  void rejectsInitialAboveMax_andNonPositiveInitial() {
    assertThatThrownBy(() -> new Backoff(S_1, MS_50, new SplittableRandom()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, S_1, new SplittableRandom()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
