package io.splitguard.testkit.sim;

import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.detector.ArrivalEstimate;
import io.splitguard.core.detector.ConnectivityMatrix;
import io.splitguard.core.detector.PartitionDetector;
import io.splitguard.core.detector.PartitionStatus;
import io.splitguard.core.detector.PartitionView;
import io.splitguard.core.detector.StatusDebouncer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A seeded, single-threaded discrete-event simulation of a cluster's failure detection: every
 * node runs the real {@link PartitionDetector} (one phi-accrual detector per peer) and a {@link
 * StatusDebouncer}, and sends a heartbeat to every peer each heartbeat interval over a simulated
 * network ({@link NetworkModel}).
 *
 * <p><b>Time</b> is a simulated nanosecond counter that jumps from event to event; nothing here
 * reads a clock, sleeps or starts a thread, so a 200-node cluster runs faster than real time and
 * a seed reproduces a run exactly (on the same code). Events are ordered by (time, insertion
 * order).
 *
 * <p><b>Each node</b> ticks every heartbeat interval from a random phase: unless crashed or
 * stalled it sends one heartbeat to each live peer (a heartbeat to a crashed node is skipped
 * rather than dropped on arrival, which is equivalent because crashes are permanent), then it
 * feeds its raw status to its debouncer, and, with connectivity tracking, records the set of
 * peers it reaches, which its next heartbeats carry.
 *
 * <p><b>Faults</b> are applied at the current simulated time between {@code run} calls: {@link
 * #crash} (permanent; heartbeats already on the wire still arrive), {@link #partition} (symmetric),
 * {@link #cutOneWay} (asymmetric), {@link #heal}, {@link #stall} (the node sends nothing for a
 * while). A partition drops heartbeats when they are sent; the ones in flight arrive.
 *
 * <p>Nodes are numbered {@code 0..n-1}; node {@code i} has id {@code n<i>}.
 */
public final class Simulation {
  /** Node indexes are packed into 20 bits of an event. */
  public static final int MAX_NODES = 1 << 20;

  private static final int NODE_BITS = 20;
  private static final long NODE_MASK = (1L << NODE_BITS) - 1;
  /** Reports kept per sender, indexed by tick number; older ones are treated as lost. */
  private static final int REPORT_RING = 128;

  private final SimConfig config;
  private final int n;
  private final long intervalNanos;
  private final double threshold;
  private final NodeId[] ids;
  private final List<NodeId> members;
  private final PartitionDetector[] detectors;
  private final StatusDebouncer[] debouncers;
  private final List<List<StatusChange>> changes;
  private final boolean[] crashed;
  private final long[] stalledUntil;
  private final int[] ticks;
  private final long[] lastHeard; // lastHeard[to * n + from]: latest arrival, -1 if none
  private final boolean[] cut; // cut[from * n + to]: heartbeats from -> to are dropped
  private final float[] linkScale; // per directed link, fixed for the run
  private final SplittableRandom networkRandom;
  private final SplittableRandom stallRandom;
  private final double stallProbabilityPerTick;
  private final EventQueue queue;
  // Connectivity tracking (null when off).
  private final Set<NodeId>[][] reportRing;
  private final int[][] reportRingTick;
  private final Set<NodeId>[][] lastReport;
  private final int[][] lastReportTick;

  private HeartbeatListener listener;
  private long now;
  private long events;
  private long sent;
  private long lost;
  private long blocked;
  private long delivered;
  private long suspicionsEnded;
  private long stallCount;
  private String firstSuspicionEnded;

  /** A cluster at time 0 where nobody has heard from anybody yet. */
  @SuppressWarnings("unchecked")
  public Simulation(SimConfig config) {
    this.config = Objects.requireNonNull(config, "config");
    this.n = config.nodes();
    this.intervalNanos = config.detector().heartbeatInterval().toNanos();
    this.threshold = config.detector().threshold();
    SplittableRandom root = new SplittableRandom(config.seed());
    SplittableRandom setupRandom = root.split();
    this.networkRandom = root.split();
    this.stallRandom = root.split();

    ids = new NodeId[n];
    for (int i = 0; i < n; i++) {
      ids[i] = NodeId.of("n" + i);
    }
    members = List.of(ids);
    detectors = new PartitionDetector[n];
    debouncers = new StatusDebouncer[n];
    changes = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      List<NodeId> peers = new ArrayList<>(n - 1);
      for (int j = 0; j < n; j++) {
        if (j != i) {
          peers.add(ids[j]);
        }
      }
      detectors[i] = new PartitionDetector(peers, config.detector());
      // Nothing heard yet: the honest initial status is PARTITIONED.
      debouncers[i] = new StatusDebouncer(config.stableAfter(), PartitionStatus.PARTITIONED, 0);
      changes.add(new ArrayList<>());
    }
    crashed = new boolean[n];
    stalledUntil = new long[n];
    ticks = new int[n];
    lastHeard = new long[n * n];
    Arrays.fill(lastHeard, -1);
    cut = new boolean[n * n];
    linkScale = new float[n * n];
    double spread = config.network().linkSpread();
    for (int k = 0; k < n * n; k++) {
      linkScale[k] = (float) Math.exp(spread * Jitter.gaussian(setupRandom));
    }
    Stalls stalls = config.network().stalls();
    stallProbabilityPerTick = stalls.perNodePerMinute() * intervalNanos / 60e9;

    queue = new EventQueue(4 * n * n / 10 + 64);
    for (int i = 0; i < n; i++) {
      queue.push(setupRandom.nextLong(intervalNanos), tickPayload(i));
    }
    if (config.trackConnectivity()) {
      reportRing = new Set[n][REPORT_RING];
      reportRingTick = new int[n][REPORT_RING];
      lastReport = new Set[n][n];
      lastReportTick = new int[n][n];
      for (int[] row : reportRingTick) {
        Arrays.fill(row, -1);
      }
      for (int[] row : lastReportTick) {
        Arrays.fill(row, -1);
      }
    } else {
      reportRing = null;
      reportRingTick = null;
      lastReport = null;
      lastReportTick = null;
    }
  }

  /** The configuration of this run. */
  public SimConfig config() {
    return config;
  }

  /** Cluster size. */
  public int size() {
    return n;
  }

  /** The id of node {@code node}. */
  public NodeId id(int node) {
    return ids[checkNode(node)];
  }

  /** Simulated time, in nanoseconds since the start. */
  public long nowNanos() {
    return now;
  }

  /** Sets (or with null removes) the listener that sees every delivered heartbeat. */
  public void setListener(HeartbeatListener listener) {
    this.listener = listener;
  }

  /** Runs the simulation for {@code duration} of simulated time. */
  public void runFor(Duration duration) {
    runUntil(now + duration.toNanos());
  }

  /** Runs every event up to and including {@code targetNanos}, then sets the clock there. */
  public void runUntil(long targetNanos) {
    if (targetNanos < now) {
      throw new IllegalArgumentException("cannot run backwards to " + targetNanos + " from " + now);
    }
    while (!queue.isEmpty() && queue.peekTime() <= targetNanos) {
      long time = queue.peekTime();
      long payload = queue.peekPayload();
      queue.pop();
      now = time;
      events++;
      int to = (int) (payload & NODE_MASK);
      int from = (int) ((payload >>> NODE_BITS) & NODE_MASK);
      if (from == to) {
        tick(to);
      } else {
        deliver(from, to, (int) (payload >>> (2 * NODE_BITS)));
      }
    }
    now = targetNanos;
  }

  // ---- faults ----

  /** Crashes {@code node} now, for good: it sends and receives nothing more. */
  public void crash(int node) {
    crashed[checkNode(node)] = true;
  }

  /** Whether {@code node} has crashed. */
  public boolean isCrashed(int node) {
    return crashed[checkNode(node)];
  }

  /**
   * Cuts every link between {@code side} and the rest of the cluster, in both directions, on top
   * of any cut already in place.
   */
  public void partition(Collection<Integer> side) {
    boolean[] in = new boolean[n];
    for (int node : side) {
      in[checkNode(node)] = true;
    }
    for (int a = 0; a < n; a++) {
      for (int b = 0; b < n; b++) {
        if (in[a] != in[b]) {
          cut[a * n + b] = true;
        }
      }
    }
  }

  /** Drops every heartbeat from {@code from} to {@code to} (the reverse direction still works). */
  public void cutOneWay(int from, int to) {
    cut[checkNode(from) * n + checkNode(to)] = true;
  }

  /** Removes every partition and cut link. */
  public void heal() {
    Arrays.fill(cut, false);
  }

  /** Makes {@code node} send nothing for {@code duration} from now (it keeps receiving). */
  public void stall(int node, Duration duration) {
    stalledUntil[checkNode(node)] = Math.max(stalledUntil[node], now + duration.toNanos());
  }

  // ---- observation ----

  /** {@code node}'s raw partition status now (its detectors, undelayed). */
  public PartitionStatus status(int node) {
    return detectors[checkNode(node)].status(now);
  }

  /** {@code node}'s full view now. */
  public PartitionView view(int node) {
    return detectors[checkNode(node)].view(now);
  }

  /** Whether {@code observer} reaches (hears) {@code peer} now. */
  public boolean reaches(int observer, int peer) {
    return detectors[checkNode(observer)].isReachable(ids[checkNode(peer)], now);
  }

  /** {@code observer}'s arrival estimate for {@code peer}; empty if never heard. */
  public Optional<ArrivalEstimate> estimate(int observer, int peer) {
    return detectors[checkNode(observer)].estimate(ids[checkNode(peer)]);
  }

  /** {@code node}'s reported (debounced) status as of its latest tick. */
  public PartitionStatus reportedStatus(int node) {
    return debouncers[checkNode(node)].reported();
  }

  /** Every change of {@code node}'s reported status so far, oldest first. */
  public List<StatusChange> reportedChanges(int node) {
    return List.copyOf(changes.get(checkNode(node)));
  }

  /**
   * What {@code node} knows about who reaches whom now: its own view merged with the latest
   * reachable sets its peers' heartbeats carried.
   *
   * @throws IllegalStateException unless the run tracks connectivity
   */
  public ConnectivityMatrix connectivity(int node) {
    if (lastReport == null) {
      throw new IllegalStateException("connectivity tracking is off in this run's SimConfig");
    }
    checkNode(node);
    Map<NodeId, Set<NodeId>> reports = new HashMap<>();
    for (int j = 0; j < n; j++) {
      if (lastReport[node][j] != null) {
        reports.put(ids[j], lastReport[node][j]);
      }
    }
    return ConnectivityMatrix.of(
        ids[node], members, detectors[node].reachablePeers(now), reports);
  }

  /** Counters so far. */
  public SimStats stats() {
    return new SimStats(events, sent, lost, blocked, delivered, suspicionsEnded, stallCount);
  }

  /** A description of the first suspicion a heartbeat ended, or empty: for failure messages. */
  public Optional<String> firstSuspicionEnded() {
    return Optional.ofNullable(firstSuspicionEnded);
  }

  // ---- events ----

  private static long tickPayload(int node) {
    return ((long) node << NODE_BITS) | node;
  }

  private void tick(int node) {
    if (crashed[node]) {
      return; // a crashed node's timer never fires again
    }
    int tick = ticks[node]++;
    if (stallProbabilityPerTick > 0 && now >= stalledUntil[node]
        && stallRandom.nextDouble() < stallProbabilityPerTick) {
      Stalls s = config.network().stalls();
      long duration = (long) (s.median().toNanos() * Math.exp(s.sigma() * Jitter.gaussian(stallRandom)));
      stalledUntil[node] = now + Math.min(duration, s.max().toNanos());
      stallCount++;
    }
    if (now >= stalledUntil[node]) {
      send(node, tick);
    }
    PartitionDetector detector = detectors[node];
    StatusDebouncer debouncer = debouncers[node];
    PartitionStatus before = debouncer.reported();
    PartitionStatus after = debouncer.observe(detector.status(now), now);
    if (after != before) {
      changes.get(node).add(new StatusChange(now, after));
    }
    if (reportRing != null) {
      int slot = tick % REPORT_RING;
      reportRing[node][slot] = Set.copyOf(detector.reachablePeers(now));
      reportRingTick[node][slot] = tick;
    }
    queue.push(now + intervalNanos, tickPayload(node));
  }

  private void send(int from, int tick) {
    NetworkModel network = config.network();
    long base = network.baseDelay().toNanos();
    Jitter jitter = network.jitter();
    double loss = network.lossProbability();
    long tickBits = ((long) (tick & 0x7fffff)) << (2 * NODE_BITS);
    for (int to = 0; to < n; to++) {
      if (to == from || crashed[to]) {
        continue;
      }
      sent++;
      if (cut[from * n + to]) {
        blocked++;
        continue;
      }
      if (loss > 0 && networkRandom.nextDouble() < loss) {
        lost++;
        continue;
      }
      long delay = base + (long) (jitter.sampleNanos(networkRandom) * linkScale[from * n + to]);
      queue.push(now + delay, tickBits | ((long) from << NODE_BITS) | to);
    }
  }

  private void deliver(int from, int to, int tick) {
    if (crashed[to]) {
      return;
    }
    delivered++;
    PartitionDetector detector = detectors[to];
    NodeId sender = ids[from];
    double phiBefore = detector.phi(sender, now);
    long last = lastHeard[to * n + from];
    long silence = last < 0 ? -1 : now - last;
    lastHeard[to * n + from] = now;
    if (phiBefore >= threshold && silence >= 0) {
      suspicionsEnded++;
      if (firstSuspicionEnded == null) {
        firstSuspicionEnded = "n" + to + " suspected n" + from + " until t=" + now / 1_000_000
            + " ms after " + silence / 1_000_000 + " ms of silence (phi " + phiBefore + ")";
      }
    }
    detector.onHeartbeat(sender, now);
    if (lastReport != null) {
      int slot = tick % REPORT_RING;
      // Keep the newest report only: jitter reorders heartbeats.
      if (reportRingTick[from][slot] == tick && tick > lastReportTick[to][from]) {
        lastReport[to][from] = reportRing[from][slot];
        lastReportTick[to][from] = tick;
      }
    }
    if (listener != null) {
      listener.onHeartbeat(to, from, now, phiBefore, silence);
    }
  }

  private int checkNode(int node) {
    if (node < 0 || node >= n) {
      throw new IllegalArgumentException("no node " + node + " in a cluster of " + n);
    }
    return node;
  }
}
