package io.splitguard.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class NodeSettingsTest {
  private final NodeSettings d = NodeSettings.defaults();

  private NodeSettings with(Duration hb, Duration min, Duration max, Duration request) {
    return new NodeSettings(hb, min, max, d.phiThreshold(), d.minStdDeviation(), d.acceptablePause(),
        request, d.maxKeyBytes(), d.maxValueBytes(), d.snapshotThresholdEntries());
  }

  @Test
  void defaultsAreValid() {
    assertThat(d.validate()).isEqualTo(d);
    assertThat(d.retryAfterSeconds()).isEqualTo(2);
  }

  @Test
  void refusesElectionRangeThatIsEmpty() {
    assertThatThrownBy(() -> with(d.heartbeatInterval(), Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(5)).validate())
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("electionTimeoutMax (1000 ms) must be greater than electionTimeoutMin (2000 ms)");
  }

  @Test
  void refusesHeartbeatsTooSlowForTheElectionTimeout() {
    assertThatThrownBy(() -> with(Duration.ofMillis(400), d.electionTimeoutMin(), d.electionTimeoutMax(), d.requestTimeout()).validate())
        .hasMessageContaining("heartbeatInterval (400 ms)");
  }

  @Test
  void refusesDetectionSlowerThanElection() {
    NodeSettings slow = new NodeSettings(d.heartbeatInterval(), d.electionTimeoutMin(), d.electionTimeoutMax(),
        d.phiThreshold(), d.minStdDeviation(), Duration.ofSeconds(3), d.requestTimeout(),
        d.maxKeyBytes(), d.maxValueBytes(), d.snapshotThresholdEntries());
    assertThatThrownBy(slow::validate).hasMessageContaining("failure detection takes up to")
        .hasMessageContaining("acceptablePause 3000 ms");
  }

  @Test
  void refusesRequestTimeoutShorterThanAnElection() {
    assertThatThrownBy(() -> with(d.heartbeatInterval(), d.electionTimeoutMin(), d.electionTimeoutMax(), Duration.ofSeconds(3)).validate())
        .hasMessageContaining("requestTimeout (3000 ms) must be at least twice electionTimeoutMax (2000 ms)");
  }

  @Test
  void listsEveryFieldProblemAtOnce() {
    NodeSettings bad = new NodeSettings(Duration.ZERO, Duration.ofMillis(-1), d.electionTimeoutMax(), 0,
        d.minStdDeviation(), d.acceptablePause(), d.requestTimeout(), 0, -5, 3);
    assertThatThrownBy(bad::validate).isInstanceOfSatisfying(InvalidConfigException.class, e ->
        assertThat(e.problems()).hasSize(6).anySatisfy(p -> assertThat(p).startsWith("heartbeatInterval"))
            .anySatisfy(p -> assertThat(p).startsWith("maxValueBytes")));
  }
}
