package io.splitguard.core.fencing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The fence-before-elect start-up rule and its neighbours. */
class FencingSettingsTest {
  private static final Duration ELECTION_MIN = Duration.ofMillis(1000);

  private static List<String> problems(FencingSettings s) {
    List<String> problems = new ArrayList<>();
    s.check(ELECTION_MIN, problems);
    return problems;
  }

  private static FencingSettings with(long leaseMs, long driftMs, long actuatorMs, long pauseMs) {
    return new FencingSettings(Duration.ofMillis(leaseMs), Duration.ofMillis(driftMs),
        Duration.ofMillis(actuatorMs), Duration.ofMillis(pauseMs), Optional.empty(), List.of());
  }

  @Test
  void theDefaultsFenceBeforeTheEarliestElection() {
    assertThat(problems(FencingSettings.defaults())).isEmpty();
    assertThat(FencingSettings.defaults().fencingBound()).isEqualTo(Duration.ofMillis(975));
  }

  @Test
  void aBoundAtOrPastTheMinimumElectionTimeoutIsRefusedWithTheNumbers() {
    assertThat(problems(with(750, 50, 175, 300))).singleElement().asString()
        .contains("fence before elect does not hold")
        .contains("fencing.lease 750 ms").contains("check interval 25 ms")
        .contains("fencing.maxClockDrift 50 ms").contains("fencing.actuatorTimeout 175 ms")
        .contains("= 1000 ms").contains("electionTimeoutMin (1000 ms)");
  }

  @Test
  void aLeaseShorterThanRaftsHeartbeatPlusMarginIsRefused() {
    assertThat(problems(with(550, 50, 150, 300))).singleElement().asString()
        .contains("fencing.lease (550 ms) must be at least 600 ms").contains("heartbeat");
  }

  @Test
  void aPauseThresholdLongerThanTheLeaseIsRefused() {
    assertThat(problems(with(750, 50, 150, 800))).singleElement().asString()
        .contains("fencing.pauseThreshold (800 ms) must not exceed fencing.lease (750 ms)");
  }

  @Test
  void nonsenseValuesAreNamed() {
    assertThat(problems(with(0, -1, 0, 10))).hasSize(4);
    assertThat(problems(FencingSettings.defaults().withCommand(List.of("/bin/x", " "))))
        .singleElement().asString().contains("fencing.command");
  }
}
