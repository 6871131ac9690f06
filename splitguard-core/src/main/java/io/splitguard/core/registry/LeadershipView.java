package io.splitguard.core.registry;

/**
 * This node's leadership as the consensus layer sees it right now, for self-fencing.
 *
 * @param leader whether this node is the leader
 * @param term its current term
 * @param leaderReady whether, as leader, it has committed an entry of its own term
 * @param majorityContactAgeMillis as leader, how long ago the last of a majority (itself
 *     included) answered its appends; {@code Long.MAX_VALUE} if unknown, 0 when not leader
 */
public record LeadershipView(boolean leader, long term, boolean leaderReady, long majorityContactAgeMillis) {
  /** A node that is not leader (or not running). */
  public static LeadershipView notLeader(long term) {
    return new LeadershipView(false, term, false, 0);
  }
}
