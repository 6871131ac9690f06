package io.splitguard.core.registry;

/**
 * This node's leadership as the consensus layer sees it right now, for self-fencing.
 *
 * @param leader whether this node is the leader
 * @param term its current term
 * @param leaderReady whether, as leader, it has committed an entry of its own term
 * @param majorityContactAgeMillis as leader, how long ago the last of a majority (itself
 *     included) answered its appends; {@code Long.MAX_VALUE} if unknown, 0 when not leader
 * @param leaderContactAgeMillis as follower, how long ago it last heard from a leader; {@code
 *     Long.MAX_VALUE} if it knows no leader (candidate, starting, stopped); 0 when leader
 */
public record LeadershipView(
    boolean leader, long term, boolean leaderReady, long majorityContactAgeMillis, long leaderContactAgeMillis) {
  /** A node that neither leads nor follows a leader it has heard from (or is not running). */
  public static LeadershipView leaderless(long term) {
    return new LeadershipView(false, term, false, 0, Long.MAX_VALUE);
  }

  /** A follower that last heard from its leader {@code ageMillis} ago. */
  public static LeadershipView follower(long term, long ageMillis) {
    return new LeadershipView(false, term, false, 0, ageMillis);
  }
}
