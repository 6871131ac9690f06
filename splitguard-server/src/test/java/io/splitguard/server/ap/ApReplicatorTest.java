package io.splitguard.server.ap;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.splitguard.core.ap.clock.HlcSettings;
import io.splitguard.core.ap.crdt.LwwRegister;
import io.splitguard.core.ap.crdt.OrSet;
import io.splitguard.core.ap.crdt.PnCounter;
import io.splitguard.core.ap.crdt.Superseded;
import io.splitguard.core.ap.crdt.SupersedeReason;
import io.splitguard.core.cluster.ClusterMember;
import io.splitguard.core.cluster.ClusterSpec;
import io.splitguard.core.cluster.HostPort;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.config.NodeSettings;
import io.splitguard.server.TestFaults;
import io.splitguard.server.detector.PartitionMonitor;
import io.splitguard.server.fencing.WriteGate;
import io.splitguard.server.http.HttpApi;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two in-process nodes (AP store, HTTP API, replicator; no consensus) replicating over loopback.
 * Rounds are driven by the test, never by timers.
 */
class ApReplicatorTest {
  private static final NodeId A = NodeId.of("n1");
  private static final NodeId B = NodeId.of("n2");
  private final AtomicLong wall = new AtomicLong(1_700_000_000_000L);
  private final AtomicBoolean connected = new AtomicBoolean(false);
  private final List<AutoCloseable> closing = new ArrayList<>();
  private final PrometheusMeterRegistry metricsA = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  @TempDir Path dir;

  private record Node(ApStore store, ApReplicator replicator, HttpApi api) {}

  @AfterEach
  void close() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private Node start(NodeId self, ClusterSpec cluster, PrometheusMeterRegistry metrics) throws Exception {
    ApStore store = ApStore.open(self, dir.resolve(self.value()), HlcSettings.of(self), wall::get, (ks, s) -> { });
    closing.add(store);
    ApReplicator replicator = new ApReplicator(self, cluster.peersOf(self), store, peer -> connected.get(),
        ApReplicationSettings.defaults(), wall::get, metrics);
    NodeSettings settings = NodeSettings.defaults();
    PartitionMonitor monitor = new PartitionMonitor(self, cluster.peersOf(self).stream().map(ClusterMember::id).toList(),
        settings.detector(), System::nanoTime, metrics);
    ClusterMember me = cluster.require(self);
    HttpApi api = HttpApi.start(me.api().host(), me.api().port(), self, cluster, settings,
        new io.splitguard.server.http.HttpApiTestRegistry(), monitor, WriteGate.OPEN, () -> io.splitguard.core.health.HealthReport.HEALTHY, metrics, TestFaults.NONE,
        store, replicator);
    closing.add(api);
    return new Node(store, replicator, api);
  }

  @Test
  void changesOnBothSidesConvergeByPushAfterTheHealAndAntiEntropyRepairsTheRest() throws Exception {
    ClusterSpec cluster = new ClusterSpec(List.of(
        new ClusterMember(A, new HostPort("127.0.0.1", freePort()), new HostPort("127.0.0.1", freePort())),
        new ClusterMember(B, new HostPort("127.0.0.1", freePort()), new HostPort("127.0.0.1", freePort()))));
    Node a = start(A, cluster, metricsA);
    Node b = start(B, cluster, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));

    // Partitioned: both sides write.
    a.store().addToCounter("stats", "hits", 5).join();
    b.store().addToCounter("stats", "hits", 3).join();
    a.store().writeLww("logs", "k", "from-a").join();
    wall.addAndGet(10);
    b.store().writeLww("logs", "k", "from-b").join();
    a.store().updateSet("stats", "online", List.of("x"), List.of()).join();
    b.store().updateSet("stats", "online", List.of("y"), List.of()).join();
    a.replicator().pushAll();
    assertThat(a.replicator().status().pending()).containsEntry("n2", 3);
    assertThat(a.replicator().status().lagSeconds()).isGreaterThan(0);

    connected.set(true); // heal
    a.replicator().pushAll();
    b.replicator().pushAll();
    for (Node n : List.of(a, b)) {
      assertThat(((PnCounter) n.store().get("stats", "hits").orElseThrow()).value()).isEqualTo(8);
      assertThat(((LwwRegister) n.store().get("logs", "k").orElseThrow()).value()).isEqualTo("from-b");
      assertThat(((OrSet) n.store().get("stats", "online").orElseThrow()).elements()).containsExactly("x", "y");
    }
    assertThat(a.store().history("logs", "k")).extracting(Superseded::value, Superseded::reason)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("from-a", SupersedeReason.LWW_OLDER));
    // The loser was dropped by both merges, and every node's history shows it once.
    assertThat(b.store().history("logs", "k")).extracting(Superseded::value).containsExactly("from-a");
    a.replicator().pushAll();
    b.replicator().pushAll();
    assertThat(a.replicator().status().pending()).containsEntry("n2", 0);
    assertThat(b.replicator().status().pending()).containsEntry("n1", 0);

    // A value B got from A's side without A having it (as if relayed by a third node): only
    // anti-entropy finds it, by the one range that differs.
    ApStore third = ApStore.open(NodeId.of("n3"), dir.resolve("n3"), HlcSettings.of(NodeId.of("n3")), wall::get, (ks, s) -> { });
    closing.add(third);
    PnCounter relayed = third.addToCounter("stats", "relayed", 7).join();
    b.store().merge(List.of(new ApStore.Entry("stats", relayed)), A).join();
    assertThat(a.store().get("stats", "relayed")).isEmpty();
    a.replicator().antiEntropyAll();
    assertThat(((PnCounter) a.store().get("stats", "relayed").orElseThrow()).value()).isEqualTo(7);
    assertThat(a.replicator().status().divergentRanges()).containsEntry("n2", 1);
    assertThat(metricsA.get("ap_antientropy_bytes_total").counter().count()).isGreaterThan(0);
    a.replicator().antiEntropyAll();
    assertThat(a.replicator().status().divergentRanges()).containsEntry("n2", 0);

    // A peer that is down keeps its pending changes, with backoff.
    b.api().close();
    a.store().addToCounter("stats", "hits", 1).join();
    a.replicator().pushAll();
    assertThat(a.replicator().status().pending()).containsEntry("n2", 1);
  }
}
