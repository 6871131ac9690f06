package io.splitguard.core.registry;

import io.splitguard.core.cluster.NodeId;
import java.util.Optional;

/**
 * A node's view of consensus.
 *
 * @param role this node's Raft role
 * @param leaderId the leader this node currently follows or is, if known
 * @param term the current Raft term
 * @param appliedIndex the last log index applied to local state
 * @param commitIndex the last log index known to be committed
 */
public record ConsensusStatus(
    Role role, Optional<NodeId> leaderId, long term, long appliedIndex, long commitIndex) {

  /** Raft roles, plus {@link #STOPPED} for a node that is not running. */
  public enum Role {
    /** Accepts proposals and replicates them. */
    LEADER,
    /** Replicates the leader's log. */
    FOLLOWER,
    /** Asking for votes. */
    CANDIDATE,
    /** A non-voting member. */
    LISTENER,
    /** Not (yet, or any more) taking part. */
    STOPPED
  }
}
