package io.splitguard.server.fencing;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.fencing.FenceReason;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fence command, run for real through {@code /bin/sh}. */
class FenceCommandTest {
  private static final NodeId N1 = NodeId.of("n1");

  @Test
  void theCommandSeesTheNodeTheReasonAndTheTermInItsEnvironment() {
    FenceCommand c = new FenceCommand(List.of("/bin/sh", "-c",
        "echo $SPLITGUARD_NODE_ID $SPLITGUARD_FENCE_REASON $SPLITGUARD_TERM $SPLITGUARD_WAS_LEADER"),
        Duration.ofSeconds(10));
    FenceCommand.Result r = c.run(N1, FenceReason.LEADER_LEASE_EXPIRED, 7, true);
    assertThat(r.outcome()).isEqualTo(FenceCommand.Outcome.SUCCEEDED);
    assertThat(r.output()).isEqualTo("n1 LEADER_LEASE_EXPIRED 7 true");
  }

  @Test
  void aNonZeroExitIsAFailureWithItsCode() {
    FenceCommand.Result r = new FenceCommand(List.of("/bin/sh", "-c", "echo nope >&2; exit 3"),
        Duration.ofSeconds(10)).run(N1, FenceReason.QUORUM_LOST, 1, false);
    assertThat(r.outcome()).isEqualTo(FenceCommand.Outcome.FAILED);
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.output()).isEqualTo("nope");
  }

  @Test
  void aCommandThatOutlivesItsTimeoutIsKilled() {
    FenceCommand.Result r = new FenceCommand(List.of("/bin/sh", "-c", "sleep 30"),
        Duration.ofMillis(200)).run(N1, FenceReason.QUORUM_LOST, 1, false);
    assertThat(r.outcome()).isEqualTo(FenceCommand.Outcome.TIMED_OUT);
    assertThat(r.durationNanos()).isLessThan(Duration.ofSeconds(25).toNanos());
  }

  @Test
  void aMissingProgramIsReportedNotThrown() {
    FenceCommand.Result r = new FenceCommand(List.of("/nonexistent/fence"), Duration.ofSeconds(1))
        .run(N1, FenceReason.QUORUM_LOST, 1, false);
    assertThat(r.outcome()).isEqualTo(FenceCommand.Outcome.NOT_STARTED);
  }
}
