package io.splitguard.server.detector;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.config.NodeSettings;
import io.splitguard.core.detector.Heartbeat;
import io.splitguard.core.detector.PartitionStatus;
import io.splitguard.core.health.HealthLevel;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The partition monitor on a manual clock: peer reports, round trips, indirect connectivity, debounce. */
class PartitionMonitorTest {
  private static final long MS = 1_000_000;
  private static final NodeId N1 = NodeId.of("n1");
  private static final NodeId N2 = NodeId.of("n2");
  private static final NodeId N3 = NodeId.of("n3");
  private final AtomicLong clock = new AtomicLong(10_000 * MS);
  private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final PartitionMonitor monitor = new PartitionMonitor(N1, List.of(N2, N3),
      NodeSettings.defaults().detector(), clock::get, metrics);

  private void beat(NodeId from, Set<NodeId> reaches, HealthLevel health, long echoSentAt) {
    monitor.onHeartbeat(new Heartbeat(from, 1, 0, echoSentAt, 1 * MS, health, reaches), clock.get());
  }

  @Test
  void aPeerOnlyAnotherPeerReachesIsReportedAsIndirectlyReachable() {
    for (int i = 0; i < 20; i++) {
      clock.addAndGet(100 * MS);
      beat(N2, Set.of(N1, N3), HealthLevel.HEALTHY, -1);
      beat(N3, Set.of(N1, N2), HealthLevel.HEALTHY, -1);
    }
    assertThat(monitor.connectivity().indirectlyReachable()).isEmpty();
    for (int i = 0; i < 40; i++) { // n3 falls silent for us, but n2 still hears it
      clock.addAndGet(100 * MS);
      beat(N2, Set.of(N1, N3), HealthLevel.HEALTHY, -1);
    }
    assertThat(monitor.reachablePeers()).containsExactly(N2);
    assertThat(monitor.connectivity().indirectlyReachable()).isEqualTo(Map.of(N3, Set.of(N2)));
    assertThat(monitor.view().quorum()).isTrue();
  }

  @Test
  void voterReachCountsTheVotingMembersOfTheConfigurationNotTheClusterFile() {
    NodeId n4 = NodeId.of("n4");
    for (int i = 0; i < 20; i++) {
      clock.addAndGet(100 * MS);
      beat(N2, Set.of(N1), HealthLevel.HEALTHY, -1);
    }
    assertThat(monitor.voterReach()).isEqualTo(new PartitionMonitor.VoterReach(2, 3));

    // n3 is demoted to a listener and n4 joins as a voter: three voters, n2 the only one heard.
    monitor.reconfigure(List.of(N2, N3, n4), Set.of(N2, n4), true);
    assertThat(monitor.voterReach()).isEqualTo(new PartitionMonitor.VoterReach(2, 3));
    // This node itself becomes a listener: it no longer counts itself.
    monitor.reconfigure(List.of(N2, N3, n4), Set.of(N2, N3, n4), false);
    assertThat(monitor.voterReach()).isEqualTo(new PartitionMonitor.VoterReach(1, 3));
    clock.addAndGet(30_000 * MS);
    assertThat(monitor.voterReach()).isEqualTo(new PartitionMonitor.VoterReach(0, 3));
  }

  @Test
  void theEchoGivesTheRoundTripAndTheReportCarriesTheSendersHealth() {
    long sentByUs = clock.get();
    clock.addAndGet(5 * MS);
    beat(N2, Set.of(N1), HealthLevel.UNHEALTHY, sentByUs);
    assertThat(monitor.report(N2)).hasValueSatisfying(r -> {
      assertThat(r.roundTripNanos()).isEqualTo(4 * MS);
      assertThat(r.health()).isEqualTo(HealthLevel.UNHEALTHY);
    });
    assertThat(metrics.scrape()).contains("heartbeat_latency_seconds_count{peer=\"n2\"} 1");
    monitor.onHeartbeat(new Heartbeat(NodeId.of("stranger"), 1, 0, -1, 0, HealthLevel.HEALTHY, Set.of()), clock.get());
    assertThat(monitor.report(NodeId.of("stranger"))).isEmpty();
  }

  @Test
  void recoveryIsReportedOnlyAfterItHeldForTheDebounceButLossAtOnce() {
    for (int i = 0; i < 20; i++) {
      clock.addAndGet(100 * MS);
      beat(N2, Set.of(), HealthLevel.HEALTHY, -1);
      beat(N3, Set.of(), HealthLevel.HEALTHY, -1);
      monitor.check(); // the node's ticker does this every heartbeat interval
    }
    assertThat(monitor.reportedStatus()).isEqualTo(PartitionStatus.HEALTHY);
    clock.addAndGet(30_000 * MS);
    assertThat(monitor.reportedStatus()).isEqualTo(PartitionStatus.PARTITIONED); // at once
    beat(N2, Set.of(), HealthLevel.HEALTHY, -1);
    beat(N3, Set.of(), HealthLevel.HEALTHY, -1);
    assertThat(monitor.view().quorum()).isTrue(); // the gate sees it at once
    assertThat(monitor.reportedStatus()).isEqualTo(PartitionStatus.PARTITIONED);
    for (int i = 0; i < 4; i++) {
      clock.addAndGet(100 * MS);
      beat(N2, Set.of(), HealthLevel.HEALTHY, -1);
      beat(N3, Set.of(), HealthLevel.HEALTHY, -1);
      monitor.check(); // the node's ticker does this every heartbeat interval
    }
    assertThat(monitor.reportedStatus()).isEqualTo(PartitionStatus.HEALTHY);
  }
}
