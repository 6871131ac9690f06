package io.splitguard.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The fixed-timeout baseline. */
class FixedTimeoutDetectorTest {
  private static final long MS = 1_000_000;

  @Test
  void suspectsExactlyAfterTheTimeoutOfSilence() {
    FixedTimeoutDetector d = new FixedTimeoutDetector(Duration.ofMillis(500));
    assertThat(d.isAvailable(0)).isFalse();
    assertThat(d.hasHeard()).isFalse();
    assertThatThrownBy(d::suspicionTimeNanos).isInstanceOf(IllegalStateException.class);
    d.heartbeat(100 * MS);
    assertThat(d.isAvailable(599 * MS)).isTrue();
    assertThat(d.isAvailable(600 * MS)).isFalse();
    assertThat(d.suspicionTimeNanos()).isEqualTo(600 * MS);
    d.heartbeat(700 * MS);
    assertThat(d.isAvailable(1000 * MS)).isTrue();
    d.heartbeat(650 * MS); // reordered: ignored
    assertThat(d.suspicionTimeNanos()).isEqualTo(1200 * MS);
  }

  @Test
  void rejectsANonPositiveTimeout() {
    assertThatThrownBy(() -> new FixedTimeoutDetector(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
