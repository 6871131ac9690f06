package io.splitguard.core.membership;

import io.splitguard.core.cluster.NodeId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Decides whether a membership change is safe, before it is handed to Raft. Raft's joint
 * consensus makes every single change safe for the log; these rules keep the cluster
 * <em>available</em> and keep a human from shrinking it into fragility:
 *
 * <ul>
 *   <li>the voters after the change must still be at least a majority of the voters before it
 *       (so removing or demoting voters one at a time can never leave fewer voters than the old
 *       configuration needed to commit, and two quick changes cannot halve the cluster);
 *   <li>a majority of the voters after the change must be reachable now, or the new
 *       configuration could not commit and the cluster would stall;
 *   <li>a promoted listener must be reachable (it has to catch up and answer votes), and, when
 *       the leader's replication progress is known, within {@code maxPromotionLag} log entries of
 *       the commit index: a voter that still has to catch up would count towards the majority
 *       without being able to acknowledge new entries;
 *   <li>a new member joins as a listener only (it cannot change the voting set), under an id the
 *       configuration does not use yet.
 * </ul>
 *
 * Pure: reachability is an input.
 */
public final class MembershipPolicy {
  private MembershipPolicy() {}

  /** The outcome of {@link #decide}: the configuration to propose, or why not. */
  public sealed interface Decision {
    /** The change is safe; propose {@code next}. */
    record Allowed(Membership next) implements Decision {}

    /** The change is refused; {@code reason} says why, with the numbers. */
    record Refused(Kind kind, String reason) implements Decision {}
  }

  /** Why a change was refused. */
  public enum Kind {
    /** No such member. */
    UNKNOWN_MEMBER,
    /** The member already has the asked-for role (or, for an addition, already exists). */
    NO_CHANGE,
    /** A listener to promote has not caught up with the leader's log. */
    NOT_CAUGHT_UP,
    /** The change would leave the cluster unable to commit or too small. */
    UNSAFE
  }

  /**
   * @param current the configuration now
   * @param change what the operator asks for
   * @param reachable members this node can reach now (itself included)
   */
  public static Decision decide(Membership current, MembershipChange change, Set<NodeId> reachable) {
    return decide(current, change, reachable, ReplicationProgress.UNKNOWN);
  }

  /**
   * How far each member's log is behind the leader's commit index, as the leader sees it.
   *
   * @param lagEntries entries behind, per member the leader replicates to; empty when this node is
   *     not the leader (then catch-up is not checked)
   * @param known whether the numbers come from the leader
   * @param maxPromotionLag the most entries a listener may be behind and still be promoted
   */
  public record ReplicationProgress(Map<NodeId, Long> lagEntries, boolean known, long maxPromotionLag) {
    /** Progress not known here: promotion is checked for reachability only. */
    public static final ReplicationProgress UNKNOWN = new ReplicationProgress(Map.of(), false, Long.MAX_VALUE);

    /** Freezes the map. */
    public ReplicationProgress {
      lagEntries = Map.copyOf(lagEntries);
    }
  }

  /**
   * As {@link #decide(Membership, MembershipChange, Set)}, also refusing to promote a listener
   * that is more than {@code progress.maxPromotionLag()} entries behind (or whose progress the
   * leader does not know).
   */
  public static Decision decide(
      Membership current, MembershipChange change, Set<NodeId> reachable, ReplicationProgress progress) {
    NodeId id = change.member();
    MemberRole role = current.roles().get(id);
    if (change instanceof MembershipChange.AddListener) {
      if (role != null) {
        return new Decision.Refused(Kind.NO_CHANGE, id + " is already a member (" + role + ")");
      }
      Map<NodeId, MemberRole> added = new LinkedHashMap<>(current.roles());
      added.put(id, MemberRole.LISTENER);
      return new Decision.Allowed(new Membership(added));
    }
    if (role == null) {
      return new Decision.Refused(Kind.UNKNOWN_MEMBER, "no member " + id + " in the configuration "
          + current.roles().keySet());
    }
    Map<NodeId, MemberRole> next = new LinkedHashMap<>(current.roles());
    if (change instanceof MembershipChange.Promote) {
      if (role == MemberRole.VOTER) {
        return new Decision.Refused(Kind.NO_CHANGE, id + " is already a voter");
      }
      if (!reachable.contains(id)) {
        return new Decision.Refused(Kind.UNSAFE, id + " is not reachable: a voter that cannot "
            + "catch up and answer votes would only make the majority harder to reach");
      }
      if (progress.known()) {
        Long lag = progress.lagEntries().get(id);
        if (lag == null) {
          return new Decision.Refused(Kind.NOT_CAUGHT_UP, "the leader has no replication progress for "
              + id + " yet: it has not answered the leader since it joined; retry once it has caught up");
        }
        if (lag > progress.maxPromotionLag()) {
          return new Decision.Refused(Kind.NOT_CAUGHT_UP, id + " is " + lag + " entries behind the "
              + "leader's commit index, more than the " + progress.maxPromotionLag() + " allowed for "
              + "promotion: a voter that is still catching up cannot acknowledge new entries; retry "
              + "once it has caught up");
        }
      }
      next.put(id, MemberRole.VOTER);
      return new Decision.Allowed(new Membership(next));
    }
    if (change instanceof MembershipChange.Demote) {
      if (role == MemberRole.LISTENER) {
        return new Decision.Refused(Kind.NO_CHANGE, id + " is already a listener");
      }
      next.put(id, MemberRole.LISTENER);
    } else {
      next.remove(id);
    }
    Membership after = new Membership(next);
    int votersBefore = current.voters().size();
    int votersAfter = after.voters().size();
    if (votersAfter < current.majority()) {
      return new Decision.Refused(Kind.UNSAFE, "after " + describe(change) + " " + votersAfter
          + " voter(s) would remain, fewer than a majority (" + current.majority() + ") of the "
          + votersBefore + " voters now: one more failure would stop all writes, and a change made "
          + "while others are pending could lose committed data; add or promote a voter first");
    }
    long reachableAfter = after.voters().stream().filter(reachable::contains).count();
    if (reachableAfter < after.majority()) {
      return new Decision.Refused(Kind.UNSAFE, "after " + describe(change) + " only " + reachableAfter
          + " of the remaining " + votersAfter + " voters " + after.voters() + " are reachable, fewer "
          + "than the " + after.majority() + " the new configuration needs to commit: the cluster "
          + "would stall");
    }
    return new Decision.Allowed(after);
  }

  private static String describe(MembershipChange change) {
    String verb = change instanceof MembershipChange.Demote ? "demoting" : "removing";
    return verb + " " + change.member();
  }
}
