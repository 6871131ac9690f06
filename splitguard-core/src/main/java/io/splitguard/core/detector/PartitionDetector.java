package io.splitguard.core.detector;

import io.splitguard.core.cluster.NodeId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Derives a node's {@link PartitionStatus} from per-peer phi-accrual detectors.
 *
 * <p>Pure and single-threaded: the caller feeds heartbeat arrivals and asks for a view, passing
 * monotonic time in nanoseconds. The driver in the server owns the lock and the clock.
 *
 * <p>{@link #view(long)} and {@link #hasQuorum(long)} report the raw status, which follows the
 * detectors without delay; the write gate must use it. A {@link StatusDebouncer} turns it into
 * a status for reporting that does not flap.
 *
 * <p>Which peers are watched and which of them vote can change while the detector runs ({@link
 * #reconfigure}): quorum and status count only the <em>voters</em> (this node included when it
 * votes), while non-voting listeners are still watched and reported in the view.
 */
public final class PartitionDetector {
  private final Map<NodeId, PhiAccrualDetector> detectors = new LinkedHashMap<>();
  private final DetectorSettings settings;
  private Set<NodeId> voterPeers;
  private boolean selfVotes;
  private int votingMembers;

  /**
   * @param peers every other member, all of them voters (as is this node)
   * @param settings detector tuning, shared by all peers
   */
  public PartitionDetector(List<NodeId> peers, DetectorSettings settings) {
    this.settings = settings;
    for (NodeId peer : peers) {
      detectors.put(peer, new PhiAccrualDetector(settings));
    }
    this.voterPeers = new LinkedHashSet<>(peers);
    this.selfVotes = true;
    this.votingMembers = peers.size() + 1;
  }

  /**
   * Changes which peers are watched and which of them vote. A peer that stays keeps its arrival
   * history; a new peer starts unheard (unreachable until its first heartbeat); a peer no longer
   * listed is forgotten.
   *
   * @param peers every other member to watch (voters and listeners), in a stable order
   * @param voters the voting members; ids that are not among {@code peers} (this node's own)
   *     are ignored, {@code selfVotes} says whether this node votes
   * @param selfVotes whether this node is a voter (a listener does not count itself)
   */
  public void reconfigure(List<NodeId> peers, Set<NodeId> voters, boolean selfVotes) {
    Set<NodeId> voterPeersNext = new LinkedHashSet<>();
    for (NodeId peer : peers) {
      if (voters.contains(peer)) {
        voterPeersNext.add(peer);
      }
    }
    Map<NodeId, PhiAccrualDetector> next = new LinkedHashMap<>();
    for (NodeId peer : peers) {
      PhiAccrualDetector existing = detectors.get(peer);
      next.put(peer, existing != null ? existing : new PhiAccrualDetector(settings));
    }
    detectors.clear();
    detectors.putAll(next);
    this.voterPeers = voterPeersNext;
    this.selfVotes = selfVotes;
    this.votingMembers = voterPeersNext.size() + (selfVotes ? 1 : 0);
  }

  /** The voting peers (this node not included). */
  public Set<NodeId> voterPeers() {
    return Set.copyOf(voterPeers);
  }

  /** Whether this node is counted as a voter. */
  public boolean selfVotes() {
    return selfVotes;
  }

  /**
   * Records a heartbeat from {@code peer}; heartbeats from unknown nodes are ignored (a node from
   * another cluster, or a removed member, must not count towards our quorum).
   *
   * @return whether the peer is known
   */
  public boolean onHeartbeat(NodeId peer, long nowNanos) {
    PhiAccrualDetector detector = detectors.get(peer);
    if (detector == null) {
      return false;
    }
    detector.heartbeat(nowNanos);
    return true;
  }

  /** The other members watched (voters and listeners), in configuration order. */
  public List<NodeId> peers() {
    return List.copyOf(detectors.keySet());
  }

  /** The view at {@code nowNanos}. */
  public PartitionView view(long nowNanos) {
    List<PartitionView.PeerView> peers = new ArrayList<>(detectors.size());
    int reachable = selfVotes ? 1 : 0; // this node
    for (Map.Entry<NodeId, PhiAccrualDetector> e : detectors.entrySet()) {
      PhiAccrualDetector d = e.getValue();
      double phi = d.phi(nowNanos);
      boolean ok = d.isAvailable(nowNanos);
      long silence = d.silenceNanos(nowNanos);
      peers.add(new PartitionView.PeerView(
          e.getKey(), ok, phi, silence < 0 ? -1 : silence / 1_000_000));
      if (ok && voterPeers.contains(e.getKey())) {
        reachable++;
      }
    }
    return new PartitionView(statusOf(reachable), hasQuorum(reachable), peers);
  }

  /**
   * The raw status at {@code nowNanos}; the same as {@code view(nowNanos).status()} without
   * building the per-peer list, for callers that ask often (a simulator of hundreds of nodes).
   */
  public PartitionStatus status(long nowNanos) {
    return statusOf(reachableCount(nowNanos));
  }

  /** Whether a majority is reachable at {@code nowNanos}: the write gate, never debounced. */
  public boolean hasQuorum(long nowNanos) {
    return hasQuorum(reachableCount(nowNanos));
  }

  /**
   * The peers whose phi is below the threshold at {@code nowNanos}, in cluster-file order: what
   * this node would report to others as "peers I reach" (see {@link ConnectivityMatrix}).
   */
  public Set<NodeId> reachablePeers(long nowNanos) {
    Set<NodeId> reachable = new LinkedHashSet<>();
    for (Map.Entry<NodeId, PhiAccrualDetector> e : detectors.entrySet()) {
      if (e.getValue().isAvailable(nowNanos)) {
        reachable.add(e.getKey());
      }
    }
    return reachable;
  }

  /**
   * The suspicion level of {@code peer} at {@code nowNanos}.
   *
   * @throws IllegalArgumentException if {@code peer} is not a member
   */
  public double phi(NodeId peer, long nowNanos) {
    return detectorOf(peer).phi(nowNanos);
  }

  /**
   * Whether {@code peer} is reachable (phi below the threshold) at {@code nowNanos}.
   *
   * @throws IllegalArgumentException if {@code peer} is not a member
   */
  public boolean isReachable(NodeId peer, long nowNanos) {
    return detectorOf(peer).isAvailable(nowNanos);
  }

  /**
   * The fitted arrival distribution of {@code peer}, empty if it was never heard.
   *
   * @throws IllegalArgumentException if {@code peer} is not a member
   */
  public Optional<ArrivalEstimate> estimate(NodeId peer) {
    return detectorOf(peer).estimate();
  }

  private PhiAccrualDetector detectorOf(NodeId peer) {
    PhiAccrualDetector detector = detectors.get(peer);
    if (detector == null) {
      throw new IllegalArgumentException("not a peer of this detector: " + peer);
    }
    return detector;
  }

  /** Voting members reachable at {@code nowNanos}: voter peers below the threshold, plus this node if it votes. */
  public int reachableVoters(long nowNanos) {
    return reachableCount(nowNanos);
  }

  /** Voting members of the configuration, this node included if it votes. */
  public int votingMembers() {
    return votingMembers;
  }

  private int reachableCount(long nowNanos) {
    int reachable = selfVotes ? 1 : 0; // this node
    for (Map.Entry<NodeId, PhiAccrualDetector> e : detectors.entrySet()) {
      if (voterPeers.contains(e.getKey()) && e.getValue().isAvailable(nowNanos)) {
        reachable++;
      }
    }
    return reachable;
  }

  private boolean hasQuorum(int reachable) {
    return votingMembers > 0 && reachable >= votingMembers / 2 + 1;
  }

  private PartitionStatus statusOf(int reachable) {
    return !hasQuorum(reachable) ? PartitionStatus.PARTITIONED
        : reachable == votingMembers ? PartitionStatus.HEALTHY
        : PartitionStatus.DEGRADED;
  }
}
