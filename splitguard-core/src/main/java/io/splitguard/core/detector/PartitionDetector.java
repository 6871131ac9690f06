package io.splitguard.core.detector;

import io.splitguard.core.cluster.NodeId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Derives a node's {@link PartitionStatus} from per-peer phi-accrual detectors.
 *
 * <p>Pure and single-threaded: the caller feeds heartbeat arrivals and asks for a view, passing
 * monotonic time in nanoseconds. The driver in the server owns the lock and the clock.
 */
public final class PartitionDetector {
  private final Map<NodeId, PhiAccrualDetector> detectors = new LinkedHashMap<>();
  private final int votingMembers;

  /**
   * @param peers every other voting member
   * @param settings detector tuning, shared by all peers
   */
  public PartitionDetector(List<NodeId> peers, DetectorSettings settings) {
    for (NodeId peer : peers) {
      detectors.put(peer, new PhiAccrualDetector(settings));
    }
    this.votingMembers = peers.size() + 1;
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

  /** The view at {@code nowNanos}. */
  public PartitionView view(long nowNanos) {
    List<PartitionView.PeerView> peers = new ArrayList<>(detectors.size());
    int reachable = 1; // this node
    for (Map.Entry<NodeId, PhiAccrualDetector> e : detectors.entrySet()) {
      PhiAccrualDetector d = e.getValue();
      double phi = d.phi(nowNanos);
      boolean ok = d.isAvailable(nowNanos);
      long silence = d.silenceNanos(nowNanos);
      peers.add(new PartitionView.PeerView(
          e.getKey(), ok, phi, silence < 0 ? -1 : silence / 1_000_000));
      if (ok) {
        reachable++;
      }
    }
    boolean quorum = reachable >= votingMembers / 2 + 1;
    PartitionStatus status =
        !quorum ? PartitionStatus.PARTITIONED
            : reachable == votingMembers ? PartitionStatus.HEALTHY
            : PartitionStatus.DEGRADED;
    return new PartitionView(status, quorum, peers);
  }
}
