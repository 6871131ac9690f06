package io.splitguard.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The health rules and their numbers. */
class HealthPolicyTest {
  private static final long GIB = 1024L * 1024 * 1024;

  private static HealthSample sample(long freeGib, long fsyncMs, double heap, boolean paused) {
    return new HealthSample(freeGib * GIB, 100 * GIB, fsyncMs * 1_000_000, (long) (heap * GIB), GIB, paused);
  }

  @Test
  void aComfortableNodeIsHealthy() {
    assertThat(HealthPolicy.assess(sample(50, 2, 0.3, false))).isEqualTo(HealthReport.HEALTHY);
  }

  @Test
  void eachRuleDegradesOrBreaksWithItsNumbers() {
    assertThat(HealthPolicy.assess(sample(5, 2, 0.3, false)).level()).isEqualTo(HealthLevel.DEGRADED);
    HealthReport full = HealthPolicy.assess(sample(1, 2, 0.3, false));
    assertThat(full.level()).isEqualTo(HealthLevel.UNHEALTHY);
    assertThat(full.reasons()).singleElement().asString().contains("disk nearly full: 1024 MiB free (1.0%)");
    assertThat(HealthPolicy.assess(sample(50, 80, 0.3, false)).reasons()).containsExactly("fsync took 80 ms (> 50 ms)");
    assertThat(HealthPolicy.assess(sample(50, 800, 0.3, false)).level()).isEqualTo(HealthLevel.UNHEALTHY);
    assertThat(HealthPolicy.assess(sample(50, 2, 0.9, false)).level()).isEqualTo(HealthLevel.DEGRADED);
    assertThat(HealthPolicy.assess(sample(50, 2, 0.97, false)).level()).isEqualTo(HealthLevel.UNHEALTHY);
    assertThat(HealthPolicy.assess(sample(50, 2, 0.3, true)).reasons()).containsExactly("the process was paused recently");
  }

  @Test
  void theWorstRuleWinsAndEveryReasonIsListed() {
    HealthReport r = HealthPolicy.assess(sample(5, 800, 0.9, false));
    assertThat(r.level()).isEqualTo(HealthLevel.UNHEALTHY);
    assertThat(r.reasons()).hasSize(3);
  }
}
