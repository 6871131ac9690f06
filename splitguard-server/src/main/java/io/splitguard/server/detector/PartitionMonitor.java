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
import io.splitguard.core.detector.ConnectivityMatrix;
import io.splitguard.core.detector.Heartbeat;
import io.splitguard.core.detector.StatusDebouncer;
import io.splitguard.core.health.HealthLevel;
import io.splitguard.server.audit.AuditLog;
import java.util.HashMap;
import java.util.Optional;
import java.util.Set;
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
  private volatile List<NodeId> peers;
  private final StatusDebouncer debouncer;
  private final Map<NodeId, PeerReport> reports = new HashMap<>();
  private final Map<NodeId, Timer> roundTrips = new java.util.concurrent.ConcurrentHashMap<>();
  private final MeterRegistry metrics;
  private volatile AuditLog audit;
  private PartitionStatus lastStatus;
  private long lastChangeNanos;

  /**
   * What a peer said about itself in its latest heartbeat.
   *
   * @param health its own health
   * @param reachable the peers it reaches
   * @param roundTripNanos the last heartbeat round trip to it, or -1 if none measured yet
   */
  public record PeerReport(HealthLevel health, Set<NodeId> reachable, long roundTripNanos) {}

  /**
   * @param self this node
   * @param peers the other members, all counted as voters until {@link #reconfigure} says otherwise
   * @param settings detector tuning
   * @param nanoClock monotonic nanoseconds ({@code System::nanoTime} in production)
   * @param metrics where to register gauges and counters
   */
  public PartitionMonitor(
      NodeId self, List<NodeId> peers, DetectorSettings settings, LongSupplier nanoClock,
      MeterRegistry metrics) {
    this.self = self;
    this.peers = List.copyOf(peers);
    this.detector = new PartitionDetector(peers, settings);
    this.metrics = metrics;
    this.nanoClock = nanoClock;
    this.lastChangeNanos = nanoClock.getAsLong();
    PartitionStatus initial = detector.view(lastChangeNanos).status();
    this.debouncer = new StatusDebouncer(StatusDebouncer.DEFAULT_STABLE_AFTER, initial, lastChangeNanos);
    this.lastStatus = initial;
    this.quorumLost = Counter.builder("quorum_lost_total")
        .description("Times this node lost sight of a majority").register(metrics);
    this.partitionDuration = Timer.builder("partition_duration_seconds")
        .description("How long each DEGRADED or PARTITIONED period lasted, recorded when it ends")
        .register(metrics);
    Gauge.builder("partition_quorum", this, m -> m.view().quorum() ? 1 : 0)
        .description("1 if a majority of voting members is reachable from this node").register(metrics);
    for (PartitionStatus status : PartitionStatus.values()) {
      Gauge.builder("partition_status", this, m -> m.reportedStatus() == status ? 1 : 0)
          .tag("status", status.name())
          .description("1 for this node's current partition status").register(metrics);
    }
    for (NodeId peer : peers) {
      registerPeerMeters(peer);
    }
  }

  private void registerPeerMeters(NodeId peer) {
    roundTrips.computeIfAbsent(peer, p -> Timer.builder("heartbeat_latency_seconds").tag("peer", p.value())
        .description("Heartbeat round trip to each peer, measured by echo on this node's clock")
        .register(metrics));
    Gauge.builder("peer_phi", this, m -> m.phiOf(peer))
        .tag("peer", peer.value())
        .description("Phi-accrual suspicion level of each peer (capped at 1000)").register(metrics);
  }

  /**
   * Follows the consensus configuration: watches {@code peers} (voters and listeners), counts
   * only {@code voters} towards quorum and status (this node too when {@code selfVotes}).
   * Reports of peers no longer watched are dropped.
   */
  public void reconfigure(List<NodeId> peers, Set<NodeId> voters, boolean selfVotes) {
    List<NodeId> added;
    synchronized (this) {
      added = peers.stream().filter(p -> !this.peers.contains(p)).toList();
      detector.reconfigure(peers, voters, selfVotes);
      reports.keySet().retainAll(peers);
      this.peers = List.copyOf(peers);
    }
    added.forEach(this::registerPeerMeters);
    LOG.info("event=detector_reconfigured node={} peers={} voters={} self_votes={}", self, peers, voters, selfVotes);
  }

  /**
   * How many voting members this node reaches now, itself included when it votes, out of how
   * many voting members the consensus configuration has (not the cluster file's members: a
   * listener or a removed member does not count towards a majority).
   *
   * @param reachable voting members reachable from here, this node included if it votes
   * @param voting voting members in all
   */
  public record VoterReach(int reachable, int voting) {}

  /** The voting members this node reaches now; see {@link VoterReach}. */
  public synchronized VoterReach voterReach() {
    return new VoterReach(detector.reachableVoters(nanoClock.getAsLong()), detector.votingMembers());
  }

  /** Whether {@code peer} counts towards this node's quorum. */
  public synchronized boolean isVoter(NodeId peer) {
    return detector.voterPeers().contains(peer);
  }

  /** From now on, also records every status change in {@code auditLog}. */
  public void auditTo(AuditLog auditLog) {
    this.audit = auditLog;
  }

  /** Records a heartbeat from {@code peer} that carried nothing else (tests). */
  public synchronized void onHeartbeat(NodeId peer) {
    detector.onHeartbeat(peer, nanoClock.getAsLong());
  }

  /** Records a heartbeat: its arrival, the sender's report, and the round trip its echo measures. */
  public void onHeartbeat(Heartbeat beat, long receivedAtNanos) {
    if (!peers.contains(beat.from())) {
      return; // not a member: must not count towards anything
    }
    long rtt = beat.roundTripNanos(receivedAtNanos);
    synchronized (this) {
      detector.onHeartbeat(beat.from(), nanoClock.getAsLong());
      PeerReport previous = reports.get(beat.from());
      reports.put(beat.from(), new PeerReport(beat.health(), beat.reachable(),
          rtt >= 0 ? rtt : previous == null ? -1 : previous.roundTripNanos()));
    }
    Timer roundTrip = roundTrips.get(beat.from());
    if (rtt >= 0 && roundTrip != null) {
      roundTrip.record(rtt, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
  }

  /** The current raw view (quorum undelayed: the write gate uses this). */
  public synchronized PartitionView view() {
    return detector.view(nanoClock.getAsLong());
  }

  /**
   * The status to report: the raw status once it has held for the debounce time ({@link
   * StatusDebouncer#DEFAULT_STABLE_AFTER}); the loss of quorum is reported at once.
   */
  public synchronized PartitionStatus reportedStatus() {
    long now = nanoClock.getAsLong();
    return debouncer.observe(detector.view(now).status(), now);
  }

  /** The peers this node's detector reaches now. */
  public synchronized Set<NodeId> reachablePeers() {
    return Set.copyOf(detector.reachablePeers(nanoClock.getAsLong()));
  }

  /** The latest report of {@code peer}, if it has sent one. */
  public synchronized Optional<PeerReport> report(NodeId peer) {
    return Optional.ofNullable(reports.get(peer));
  }

  /** This node's view merged with what its reachable peers report: indirect connectivity. */
  public synchronized ConnectivityMatrix connectivity() {
    long now = nanoClock.getAsLong();
    Map<NodeId, Set<NodeId>> views = new HashMap<>();
    reports.forEach((peer, r) -> views.put(peer, r.reachable()));
    List<NodeId> members = new java.util.ArrayList<>(peers);
    members.add(self);
    return ConnectivityMatrix.of(self, members, detector.reachablePeers(now), views);
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
    PartitionStatus reported;
    synchronized (this) {
      now = nanoClock.getAsLong();
      view = detector.view(now);
      reported = debouncer.observe(view.status(), now);
      previous = lastStatus;
      if (reported == previous) {
        return;
      }
      since = lastChangeNanos;
      lastStatus = reported;
      lastChangeNanos = now;
    }
    if (previous != PartitionStatus.HEALTHY) {
      partitionDuration.record(Duration.ofNanos(now - since));
    }
    if (previous != PartitionStatus.PARTITIONED && reported == PartitionStatus.PARTITIONED) {
      quorumLost.increment();
    }
    List<String> unreachable = view.peers().stream()
        .filter(p -> !p.reachable()).map(p -> p.id().value()).toList();
    LOG.info("event=partition_status_changed node={} from={} to={} quorum={} unreachable={} after_ms={}",
        self, previous, reported, view.quorum(), unreachable, (now - since) / 1_000_000);
    AuditLog a = audit;
    if (a != null) {
      a.record("partition_status_changed", Map.of("from", previous.name(), "to", reported.name(),
          "quorum", view.quorum(), "unreachable", unreachable, "afterMs", (now - since) / 1_000_000));
    }
  }

  private double phiOf(NodeId peer) {
    return view().peers().stream().filter(p -> p.id().equals(peer))
        .mapToDouble(p -> Math.min(1000, p.phi())).findFirst().orElse(0);
  }
}
