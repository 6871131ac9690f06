package io.splitguard.core.election;

import io.splitguard.core.cluster.NodeId;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Prompt elections: a follower starts a Raft election as soon as a majority of the voters agree
 * that the leader has been silent for {@code electionTimeoutMin}, instead of whenever Ratis'
 * follower timer next wakes up.
 *
 * <p>Why: Ratis' follower timer sleeps a whole random election timeout (1-2 s by default) and
 * only then checks whether the leader's last message is that old; a leader that dies in the middle
 * of a sleep is noticed after the rest of it plus all of the next one, about 1.8 s for the first
 * of two followers. The earliest safe moment is {@code electionTimeoutMin} after the last message
 * (fence before elect), and that is when this policy acts.
 *
 * <p>Why it is safe: an election is allowed only when this follower and enough others to make a
 * majority of the voters (the leader not among them) each report at least {@code
 * electionTimeoutMin} of silence from the same leader in the same term. Any majority that could
 * have kept the old leader's lease shares a member with that silent majority, so the old leader
 * last had a majority more than {@code electionTimeoutMin} ago and has fenced itself (the start-up
 * checks keep {@code lease + drift + actuator} below {@code electionTimeoutMin}). It is the check
 * Raft's pre-vote makes, taken at the moment the bound is reached; like pre-vote, it cannot stop a
 * voter from hearing the old leader in the few milliseconds between its answer and its vote.
 *
 * <p>Split votes: the followers other than the leader take turns by id, {@code stagger} apart;
 * and a follower lets a peer with a more up-to-date log go instead (that peer would refuse to vote
 * for it). Anything this policy does not start, Ratis' own timer still does.
 *
 * <p>Pure: time arrives as the silences measured by the callers.
 */
public final class PromptElection {
  /** The turn spacing used unless configured: far above an election round trip on a LAN. */
  public static final Duration DEFAULT_STAGGER = Duration.ofMillis(100);

  private final long electionTimeoutMinMs;
  private final long staggerMs;

  /** A policy for these timings; {@code stagger} may be zero (then ids do not take turns). */
  public PromptElection(Duration electionTimeoutMin, Duration stagger) {
    if (electionTimeoutMin.isNegative() || electionTimeoutMin.isZero() || stagger.isNegative()) {
      throw new IllegalArgumentException("electionTimeoutMin must be positive and stagger not negative");
    }
    this.electionTimeoutMinMs = electionTimeoutMin.toMillis();
    this.staggerMs = stagger.toMillis();
  }

  /**
   * This follower's turn among the voters other than the leader, 0 for the lowest id; -1 when it
   * is not a voter (a listener never starts an election) or it is the leader itself.
   */
  public static int turn(NodeId self, NodeId leader, Set<NodeId> voters) {
    if (!voters.contains(self) || self.equals(leader)) {
      return -1;
    }
    List<NodeId> others = voters.stream().filter(v -> !v.equals(leader)).sorted().toList();
    return others.indexOf(self);
  }

  /** The silence after which this follower asks the others: its turn's share of the stagger added. */
  public long dueAfterMs(int turn) {
    return electionTimeoutMinMs + (long) turn * staggerMs;
  }

  /** Whether this follower should ask the others now. */
  public boolean isDue(NodeId self, LeaderContact own, Set<NodeId> voters) {
    int turn = turn(self, own.leader(), voters);
    return turn >= 0 && own.silenceMs() >= dueAfterMs(turn);
  }

  /** The voters to ask: every voter but this follower and the leader. */
  public static List<NodeId> peersToAsk(NodeId self, NodeId leader, Set<NodeId> voters) {
    return voters.stream().filter(v -> !v.equals(self) && !v.equals(leader)).sorted().toList();
  }

  /** What to do with the peers' answers. */
  public enum Decision {
    /** A silent majority, and no silent peer is more up to date: start the election now. */
    START,
    /** A silent majority, but a peer with a more up-to-date log should be the candidate. */
    DEFER,
    /** No silent majority (yet): leave it to the next tick, or to Raft's own timer. */
    WAIT
  }

  /**
   * Decides from this follower's contact and the answers of the peers it asked (empty for a peer
   * that did not answer or follows no leader). Re-checks {@code own} as well: it may be asked
   * with a contact read after the question went out.
   */
  public Decision decide(NodeId self, LeaderContact own, Map<NodeId, Optional<LeaderContact>> answers, Set<NodeId> voters) {
    if (turn(self, own.leader(), voters) < 0 || own.silenceMs() < electionTimeoutMinMs) {
      return Decision.WAIT;
    }
    int silent = 1;
    boolean someoneMoreUpToDate = false;
    for (Map.Entry<NodeId, Optional<LeaderContact>> a : answers.entrySet()) {
      if (!voters.contains(a.getKey()) || a.getKey().equals(self) || a.getKey().equals(own.leader())) {
        continue;
      }
      Optional<LeaderContact> peer = a.getValue();
      if (peer.isPresent() && peer.get().sameLeaderAs(own) && peer.get().silenceMs() >= electionTimeoutMinMs) {
        silent++;
        if (!own.logAtLeastAsUpToDateAs(peer.get())) {
          someoneMoreUpToDate = true;
        }
      }
    }
    if (silent < voters.size() / 2 + 1) {
      return Decision.WAIT;
    }
    return someoneMoreUpToDate ? Decision.DEFER : Decision.START;
  }
}
