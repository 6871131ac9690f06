package io.splitguard.core.fencing;

/**
 * What the fencing loop saw at one look: the input of {@link FencingPolicy#observe}.
 *
 * @param nowNanos monotonic time of the look
 * @param leader whether Raft says this node is the leader
 * @param term this node's current Raft term
 * @param leaderReady whether this node, as leader, has committed an entry of its own term (so a
 *     majority has accepted it as leader)
 * @param majorityContactAgeNanos as leader, how long ago a majority (counting itself) last
 *     answered its appends; ignored when not leader
 * @param leaderContactAgeNanos as follower, how long ago it last heard from a leader ({@code
 *     Long.MAX_VALUE} if it knows none); ignored when leader
 * @param detectorQuorum whether the failure detector reaches a majority of voting members
 * @param pauseNanos the longest scheduling gap the pause watchdog measured since the previous
 *     look (0 if none)
 */
public record FencingObservation(
    long nowNanos,
    boolean leader,
    long term,
    boolean leaderReady,
    long majorityContactAgeNanos,
    long leaderContactAgeNanos,
    boolean detectorQuorum,
    long pauseNanos) {}
