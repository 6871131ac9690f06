package io.splitguard.core.election;

import io.splitguard.core.cluster.NodeId;
import java.util.Objects;

/**
 * What a follower knows of its Raft leader: who it is, in which term, how long ago the follower
 * last heard from it, and where the follower's own log ends (an election needs a candidate whose
 * log is at least as up to date as its voters').
 *
 * @param leader the leader this follower follows
 * @param term the follower's current term
 * @param silenceMs milliseconds since the follower last received a message from the leader
 * @param lastLogTerm term of the follower's last log entry
 * @param lastLogIndex index of the follower's last log entry
 */
public record LeaderContact(NodeId leader, long term, long silenceMs, long lastLogTerm, long lastLogIndex) {
  /** Null and range checks. */
  public LeaderContact {
    Objects.requireNonNull(leader, "leader");
    if (term < 0 || silenceMs < 0 || lastLogTerm < 0 || lastLogIndex < -1) {
      throw new IllegalArgumentException("negative term, silence or log position in " + leader + "/" + term);
    }
  }

  /** Whether this follower and {@code other} follow the same leader in the same term. */
  public boolean sameLeaderAs(LeaderContact other) {
    return leader.equals(other.leader) && term == other.term;
  }

  /** Raft's "at least as up to date": compares the last entries' terms, then their indices. */
  public boolean logAtLeastAsUpToDateAs(LeaderContact other) {
    return lastLogTerm != other.lastLogTerm ? lastLogTerm > other.lastLogTerm : lastLogIndex >= other.lastLogIndex;
  }
}
