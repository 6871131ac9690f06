package io.splitguard.core.membership;

import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.health.HealthLevel;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Automatic demotion of troubled voters, and promotion back of the ones it demoted, decided by
 * the leader. A single-threaded, I/O-free machine: the caller passes the time and what it observes
 * to {@link #step}, carries out the returned actions in order, and reports a change Raft did not
 * make with {@link #changeFailed}.
 *
 * <p>The rules:
 *
 * <ul>
 *   <li>A voter is <em>in trouble</em> while it is unreachable, reports itself {@code UNHEALTHY},
 *       or is more than {@code maxLagEntries} behind the commit index. Trouble that lasts {@code
 *       unhealthyAfter} raises a <em>pending-eviction alert</em> with a deadline {@code grace}
 *       later. A voter out of trouble at any step before it is demoted cancels its alert.
 *   <li>Alerts are raised whether or not {@code autoDemote} is on; with it off, nothing is
 *       demoted and the alert says so.
 *   <li>At the deadline, and only if the configuration has been unchanged for {@code
 *       stabilityWindow}, the voter is demoted if {@link MembershipPolicy} allows it; a refusal is
 *       reported (once per distinct reason) and the alert stays pending.
 *   <li>A member this machine demoted is promoted back once it has been reachable, not {@code
 *       UNHEALTHY} and within {@code maxPromotionLagEntries} for {@code recoverAfter}, again only
 *       outside the stability window and with the policy's consent. Members an operator demoted
 *       are left alone.
 *   <li>At most one change is in flight: nothing else is proposed until the configuration moves
 *       or the change is reported failed (which counts as configuration activity, so the
 *       stability window starts again).
 *   <li>This node (the leader) is never a candidate: an unhealthy leader hands leadership over
 *       instead (HealthMonitor), and the next leader judges it.
 * </ul>
 *
 * The stability window is measured from the last configuration change this machine observed, and
 * the first step counts as one: a freshly elected leader waits a full window before changing
 * anything.
 */
public final class AutoDemotion {
  /** Why a voter is in trouble. */
  public enum Trouble {
    /** This node's failure detector does not reach it. */
    UNREACHABLE,
    /** It reports itself {@code UNHEALTHY} in its heartbeats. */
    UNHEALTHY,
    /** Its log is more than {@code maxLagEntries} behind the commit index. */
    LAGGING
  }

  /**
   * What the leader sees of one member at one step.
   *
   * @param reachable whether its failure detector reaches it
   * @param health the health it last reported, empty if it never did
   * @param lagEntries how far its log is behind the leader's commit index, empty if unknown
   */
  public record Observation(boolean reachable, Optional<HealthLevel> health, OptionalLong lagEntries) {
    /** Checks for nulls. */
    public Observation {
      Objects.requireNonNull(health, "health");
      Objects.requireNonNull(lagEntries, "lagEntries");
    }
  }

  /**
   * A pending-eviction alert.
   *
   * @param member the voter
   * @param troubles why, at the latest step
   * @param troubleSinceNanos when its current trouble began
   * @param raisedAtNanos when the alert was raised
   * @param deadlineNanos when it is demoted if still in trouble
   * @param refusal the latest reason the policy or the stability window gave for not demoting it
   *     yet, if any
   */
  public record PendingEviction(
      NodeId member, Set<Trouble> troubles, long troubleSinceNanos, long raisedAtNanos,
      long deadlineNanos, Optional<String> refusal) {
    /** Freezes the set. */
    public PendingEviction {
      troubles = Set.copyOf(troubles);
    }

    PendingEviction with(Set<Trouble> now, Optional<String> why) {
      return new PendingEviction(member, now, troubleSinceNanos, raisedAtNanos, deadlineNanos, why);
    }
  }

  /** What the caller must do, in the order given. */
  public sealed interface Action {
    /** The member the action is about. */
    NodeId member();

    /** Record and show a new pending-eviction alert. */
    record AlertRaised(NodeId member, PendingEviction alert) implements Action {}

    /** Record that an alert ended without a demotion ({@code why}: recovered, or no longer a voter). */
    record AlertCancelled(NodeId member, String why) implements Action {}

    /** Propose {@code next} (compare-and-set on {@code current}): {@code member} becomes a listener. */
    record Demote(NodeId member, Membership current, Membership next, PendingEviction alert) implements Action {}

    /** The deadline passed but the demotion is not allowed now; {@code reason} says why. */
    record DemotionRefused(NodeId member, String reason) implements Action {}

    /** Propose {@code next} (compare-and-set on {@code current}): {@code member} votes again. */
    record Promote(NodeId member, Membership current, Membership next) implements Action {}
  }

  private final NodeId self;
  private final MembershipSettings settings;
  private final Map<NodeId, Long> troubleSince = new LinkedHashMap<>();
  private final Map<NodeId, PendingEviction> pending = new LinkedHashMap<>();
  private final Map<NodeId, Long> recoveredSince = new LinkedHashMap<>();
  private final Set<NodeId> demotedByUs = new LinkedHashSet<>();
  private Membership lastConfig;
  private long configChangedAtNanos;
  private NodeId inFlight;

  /**
   * @param self the leader running this machine (never demoted by it)
   * @param settings validated settings
   */
  public AutoDemotion(NodeId self, MembershipSettings settings) {
    this.self = Objects.requireNonNull(self, "self");
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /**
   * One step.
   *
   * @param nowNanos monotonic time
   * @param config the committed configuration now
   * @param observations what this node sees of each member other than itself (a missing voter
   *     counts as unreachable)
   * @return the actions to carry out, in order; at most one is a {@code Demote} or {@code Promote}
   */
  public List<Action> step(long nowNanos, Membership config, Map<NodeId, Observation> observations) {
    List<Action> actions = new ArrayList<>();
    if (!config.equals(lastConfig)) {
      lastConfig = config;
      configChangedAtNanos = nowNanos;
      inFlight = null;
    }
    forgetFormerVoters(config, actions);
    boolean stable = nowNanos - configChangedAtNanos >= settings.stabilityWindow().toNanos();
    boolean changeProposed = inFlight != null;
    Set<NodeId> reachable = reachable(observations);

    for (NodeId voter : config.voters()) {
      if (voter.equals(self)) {
        continue;
      }
      Set<Trouble> troubles = troubles(observations.get(voter));
      if (troubles.isEmpty()) {
        troubleSince.remove(voter);
        if (pending.remove(voter) != null) {
          actions.add(new Action.AlertCancelled(voter, "recovered"));
        }
        continue;
      }
      long since = troubleSince.computeIfAbsent(voter, v -> nowNanos);
      PendingEviction alert = pending.get(voter);
      if (alert == null) {
        if (nowNanos - since >= settings.unhealthyAfter().toNanos()) {
          alert = new PendingEviction(voter, troubles, since, nowNanos,
              nowNanos + settings.grace().toNanos(), Optional.empty());
          pending.put(voter, alert);
          actions.add(new Action.AlertRaised(voter, alert));
        }
        continue;
      }
      alert = alert.with(troubles, alert.refusal());
      pending.put(voter, alert);
      if (nowNanos < alert.deadlineNanos() || changeProposed) {
        continue;
      }
      String refusal;
      if (!settings.autoDemote()) {
        refusal = "automatic demotion is off (membership.autoDemote); demote it by hand if it stays in trouble";
      } else if (!stable) {
        refusal = "the configuration changed "
            + (nowNanos - configChangedAtNanos) / 1_000_000 + " ms ago, within the stability window of "
            + settings.stabilityWindow().toMillis() + " ms";
      } else {
        MembershipPolicy.Decision d = MembershipPolicy.decide(config, new MembershipChange.Demote(voter), reachable);
        if (d instanceof MembershipPolicy.Decision.Allowed allowed) {
          actions.add(new Action.Demote(voter, config, allowed.next(), alert));
          pending.remove(voter);
          troubleSince.remove(voter);
          demotedByUs.add(voter);
          inFlight = voter;
          changeProposed = true;
          continue;
        }
        refusal = ((MembershipPolicy.Decision.Refused) d).reason();
      }
      if (!alert.refusal().equals(Optional.of(refusal)) && !sameKindOfWait(alert.refusal(), refusal)) {
        actions.add(new Action.DemotionRefused(voter, refusal));
      }
      pending.put(voter, alert.with(troubles, Optional.of(refusal)));
    }

    for (NodeId listener : config.listeners()) {
      if (!demotedByUs.contains(listener)) {
        continue;
      }
      if (!recovered(observations.get(listener))) {
        recoveredSince.remove(listener);
        continue;
      }
      long since = recoveredSince.computeIfAbsent(listener, l -> nowNanos);
      if (!settings.autoDemote() || !settings.autoPromote() || changeProposed || !stable
          || nowNanos - since < settings.recoverAfter().toNanos()) {
        continue;
      }
      MembershipPolicy.Decision d = MembershipPolicy.decide(config, new MembershipChange.Promote(listener), reachable);
      if (d instanceof MembershipPolicy.Decision.Allowed allowed) {
        actions.add(new Action.Promote(listener, config, allowed.next()));
        demotedByUs.remove(listener);
        recoveredSince.remove(listener);
        inFlight = listener;
        changeProposed = true;
      }
    }
    return actions;
  }

  /**
   * The change proposed for {@code member} was not made (Raft refused it or did not answer). Counts
   * as configuration activity: the stability window starts again at {@code nowNanos}.
   */
  public void changeFailed(NodeId member, long nowNanos) {
    if (member.equals(inFlight)) {
      inFlight = null;
      configChangedAtNanos = nowNanos;
    }
    MemberRole role = lastConfig == null ? null : lastConfig.roles().get(member);
    if (role == MemberRole.VOTER) {
      demotedByUs.remove(member); // the demotion did not happen
    } else if (role == MemberRole.LISTENER) {
      demotedByUs.add(member); // the promotion did not happen: still ours to promote
    }
  }

  /** The pending-eviction alerts now, by member. */
  public Map<NodeId, PendingEviction> pending() {
    return Map.copyOf(pending);
  }

  /** The members this machine demoted and may promote back. */
  public Set<NodeId> demotedByUs() {
    return Set.copyOf(demotedByUs);
  }

  private void forgetFormerVoters(Membership config, List<Action> actions) {
    for (NodeId id : List.copyOf(pending.keySet())) {
      if (config.roles().get(id) != MemberRole.VOTER) {
        pending.remove(id);
        actions.add(new Action.AlertCancelled(id, "no longer a voter"));
      }
    }
    troubleSince.keySet().removeIf(id -> config.roles().get(id) != MemberRole.VOTER);
    recoveredSince.keySet().removeIf(id -> config.roles().get(id) != MemberRole.LISTENER);
    // A member that votes again (promoted by an operator) or left is no longer ours to promote.
    demotedByUs.removeIf(id -> !id.equals(inFlight) && config.roles().get(id) != MemberRole.LISTENER);
  }

  private Set<Trouble> troubles(Observation o) {
    if (o == null) {
      return EnumSet.of(Trouble.UNREACHABLE);
    }
    Set<Trouble> t = EnumSet.noneOf(Trouble.class);
    if (!o.reachable()) {
      t.add(Trouble.UNREACHABLE);
    }
    if (o.health().equals(Optional.of(HealthLevel.UNHEALTHY))) {
      t.add(Trouble.UNHEALTHY);
    }
    if (o.lagEntries().isPresent() && o.lagEntries().getAsLong() > settings.maxLagEntries()) {
      t.add(Trouble.LAGGING);
    }
    return t;
  }

  private boolean recovered(Observation o) {
    return o != null && o.reachable() && !o.health().equals(Optional.of(HealthLevel.UNHEALTHY))
        && o.lagEntries().isPresent() && o.lagEntries().getAsLong() <= settings.maxPromotionLagEntries();
  }

  private Set<NodeId> reachable(Map<NodeId, Observation> observations) {
    Set<NodeId> r = new LinkedHashSet<>();
    r.add(self);
    observations.forEach((id, o) -> {
      if (o.reachable()) {
        r.add(id);
      }
    });
    return r;
  }

  // The stability-window refusal names a growing number of milliseconds; report it once.
  private static boolean sameKindOfWait(Optional<String> previous, String now) {
    return previous.isPresent() && previous.get().startsWith("the configuration changed ")
        && now.startsWith("the configuration changed ");
  }
}
