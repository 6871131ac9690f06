package io.splitguard.core.detector;

import io.splitguard.core.cluster.NodeId;
import java.util.List;

/**
 * What one node can see of its cluster at one moment.
 *
 * @param status derived partition status
 * @param quorum whether a majority of the voting members (this node included) is reachable
 * @param peers per-peer reachability, in cluster-file order
 */
public record PartitionView(PartitionStatus status, boolean quorum, List<PeerView> peers) {
  /** Freezes the peer list. */
  public PartitionView {
    peers = List.copyOf(peers);
  }

  /**
   * One peer as seen from this node.
   *
   * @param id the peer
   * @param reachable whether its phi is below the threshold
   * @param phi its suspicion level (infinite if never heard)
   * @param lastHeartbeatAgeMillis milliseconds since its last heartbeat, -1 if never heard
   */
  public record PeerView(NodeId id, boolean reachable, double phi, long lastHeartbeatAgeMillis) {}
}
