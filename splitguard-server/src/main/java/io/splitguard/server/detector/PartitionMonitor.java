package io.splitguard.server.detector;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.detector.DetectorSettings;
import io.splitguard.core.detector.PartitionDetector;
import io.splitguard.core.detector.PartitionStatus;
import io.splitguard.core.detector.PartitionView;
import java.time.Duration;
import io.splitguard.server.audit.AuditLog;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe driver around the pure {@link PartitionDetector}: feeds it heartbeat arrivals with
 * the monotonic clock, answers "do we have quorum?" for the write gate, and turns status changes
 * into log lines and metrics.
 *
 * <p>The view is computed on demand, so the write gate reacts to silence at request time rather
 * than at the next periodic check; {@link #check()} runs periodically only to notice and record
 * transitions.
 */
public final class PartitionMonitor {
  private static final Logger LOG = LoggerFactory.getLogger(PartitionMonitor.class);

  private final NodeId self;
  private final PartitionDetector detector;
  private final LongSupplier nanoClock;
  private final Counter quorumLost;
  private final Timer partitionDuration;
  private volatile AuditLog audit;
  private PartitionStatus lastStatus;
  private long lastChangeNanos;

  /**
   * @param self this node
   * @param peers the other voting members
   * @param settings detector tuning
   * @param nanoClock monotonic nanoseconds ({@code System::nanoTime} in production)
   * @param metrics where to register gauges and counters
   */
  public PartitionMonitor(
      NodeId self, List<NodeId> peers, DetectorSettings settings, LongSupplier nanoClock,
      MeterRegistry metrics) {
    this.self = self;
    this.detector = new PartitionDetector(peers, settings);
    this.nanoClock = nanoClock;
    this.lastChangeNanos = nanoClock.getAsLong();
    this.lastStatus = view().status();
    this.quorumLost = Counter.builder("quorum_lost_total")
        .description("Times this node lost sight of a majority").register(metrics);
    this.partitionDuration = Timer.builder("partition_duration_seconds")
        .description("How long each DEGRADED or PARTITIONED period lasted, recorded when it ends")
        .register(metrics);
    Gauge.builder("partition_quorum", this, m -> m.view().quorum() ? 1 : 0)
        .description("1 if a majority of voting members is reachable from this node").register(metrics);
    for (PartitionStatus status : PartitionStatus.values()) {
      Gauge.builder("partition_status", this, m -> m.view().status() == status ? 1 : 0)
          .tag("status", status.name())
          .description("1 for this node's current partition status").register(metrics);
    }
    for (NodeId peer : peers) {
      Gauge.builder("peer_phi", this, m -> m.phiOf(peer))
          .tag("peer", peer.value())
          .description("Phi-accrual suspicion level of each peer (capped at 1000)").register(metrics);
    }
  }

  /** From now on, also records every status change in {@code auditLog}. */
  public void auditTo(AuditLog auditLog) {
    this.audit = auditLog;
  }

  /** Records a heartbeat from {@code peer}. */
  public synchronized void onHeartbeat(NodeId peer) {
    detector.onHeartbeat(peer, nanoClock.getAsLong());
  }

  /** The current view. */
  public synchronized PartitionView view() {
    return detector.view(nanoClock.getAsLong());
  }

  /** Whether a majority is reachable right now: the write gate. */
  public boolean hasQuorum() {
    return view().quorum();
  }

  /** Notices status transitions; call periodically. */
  public void check() {
    PartitionView view;
    PartitionStatus previous;
    long now;
    long since;
    synchronized (this) {
      now = nanoClock.getAsLong();
      view = detector.view(now);
      previous = lastStatus;
      if (view.status() == previous) {
        return;
      }
      since = lastChangeNanos;
      lastStatus = view.status();
      lastChangeNanos = now;
    }
    if (previous != PartitionStatus.HEALTHY) {
      partitionDuration.record(Duration.ofNanos(now - since));
    }
    if (previous != PartitionStatus.PARTITIONED && view.status() == PartitionStatus.PARTITIONED) {
      quorumLost.increment();
    }
    List<String> unreachable = view.peers().stream()
        .filter(p -> !p.reachable()).map(p -> p.id().value()).toList();
    LOG.info("event=partition_status_changed node={} from={} to={} quorum={} unreachable={} after_ms={}",
        self, previous, view.status(), view.quorum(), unreachable, (now - since) / 1_000_000);
    AuditLog a = audit;
    if (a != null) {
      a.record("partition_status_changed", Map.of("from", previous.name(), "to", view.status().name(),
          "quorum", view.quorum(), "unreachable", unreachable, "afterMs", (now - since) / 1_000_000));
    }
  }

  private double phiOf(NodeId peer) {
    return view().peers().stream().filter(p -> p.id().equals(peer))
        .mapToDouble(p -> Math.min(1000, p.phi())).findFirst().orElse(0);
  }
}
