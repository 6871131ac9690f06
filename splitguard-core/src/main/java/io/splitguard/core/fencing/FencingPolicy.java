package io.splitguard.core.fencing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The self-fencing rules of one node, as a pure state machine: feed it an observation at every
 * look, carry out the actions it returns, in order.
 *
 * <p>A node is <em>armed</em> once it has seen a majority (or held the fence file): before that it
 * has nothing to give up, and is never "fenced", although its write gate is closed all the same
 * for lack of quorum. An armed node fences itself when, in priority order:
 *
 * <ol>
 *   <li>it was paused for longer than the threshold ({@link FenceReason#PROCESS_PAUSE}); it then
 *       stays fenced for a quarantine after the pause, whatever it sees;
 *   <li>it leads, its leadership was confirmed (a commit in its term), and its majority contact
 *       is older than the lease ({@link FenceReason#LEADER_LEASE_EXPIRED}). Before confirmation
 *       Ratis reports made-up contact times, and the leader holds nothing yet;
 *   <li>its failure detector lost the majority ({@link FenceReason#QUORUM_LOST}).
 * </ol>
 *
 * <p>Fencing is sticky: a fenced node is unfenced only on fresh evidence that it is part of a
 * majority again, from both layers: the failure detector reaches a majority, <em>and</em> Raft
 * agrees (it leads with a confirmed, in-lease majority, or it follows a leader it heard from
 * within the minimum election timeout). Merely ceasing to lead is not such evidence: the stepped
 * down leader still cannot reach anybody.
 *
 * <p>On entering the fenced state the policy first removes the fence file, then steps down, then
 * fences (command, listeners): the cheapest and most important actuator first. The fence file
 * exists only while the node leads, Raft confirmed its leadership, the majority answered within
 * the lease, the detector sees a majority, and it is not fenced.
 *
 * <p>Not thread-safe: one fencing loop drives it.
 */
public final class FencingPolicy {
  private final long leaseNanos;
  private final long pauseThresholdNanos;
  private final long quarantineNanos;
  private final long electionTimeoutMinNanos;

  private FenceReason fenced;
  private long fencedSinceNanos;
  private boolean quarantined;
  private long quarantineUntilNanos;
  private boolean armed;
  private long primaryTerm = -1;
  private long relinquishedTerm = -1;

  /**
   * @param settings lease and pause threshold
   * @param electionTimeoutMin how recently a follower must have heard from its leader to count as
   *     part of a majority again
   */
  public FencingPolicy(FencingSettings settings, Duration electionTimeoutMin) {
    this.leaseNanos = settings.lease().toNanos();
    this.pauseThresholdNanos = settings.pauseThreshold().toNanos();
    this.quarantineNanos = settings.quarantine().toNanos();
    this.electionTimeoutMinNanos = electionTimeoutMin.toNanos();
  }

  /** Decides what to do about one observation. */
  public List<FencingAction> observe(FencingObservation o) {
    List<FencingAction> actions = new ArrayList<>();
    if (o.pauseNanos() > pauseThresholdNanos) {
      actions.add(new FencingAction.PauseDetected(o.pauseNanos()));
      if (armed) {
        quarantined = true;
        quarantineUntilNanos = o.nowNanos() + quarantineNanos;
      }
    }
    // A newer term seen at the first look after a pause is explained by the pause (a documented
    // limit: nothing inside a stopped process can fence it); this look fences before any side
    // effect, and the write gate refused from the moment of the resume.
    if (primaryTerm >= 0 && o.term() > primaryTerm && o.pauseNanos() <= pauseThresholdNanos) {
      actions.add(new FencingAction.SplitBrainSuspected(primaryTerm, o.term()));
    }
    Optional<FenceReason> cause = armed ? cause(o) : Optional.empty();

    if (cause.isPresent() && fenced == null) {
      fenced = cause.get();
      fencedSinceNanos = o.nowNanos();
      dropPrimary(actions, "fenced: " + fenced.name());
      if (o.leader()) {
        actions.add(new FencingAction.StepDown(o.term()));
      }
      actions.add(new FencingAction.Fence(fenced, o.term(), o.leader(), detail(o, fenced)));
    } else if (cause.isPresent() && cause.get() != fenced) {
      actions.add(new FencingAction.ReasonChanged(fenced, cause.get()));
      fenced = cause.get();
    } else if (cause.isEmpty() && fenced != null && inMajority(o)) {
      actions.add(new FencingAction.Unfence(fenced, o.nowNanos() - fencedSinceNanos));
      fenced = null;
    }
    if (fenced == null && inMajority(o)) {
      armed = true;
    }

    boolean mayLead = fenced == null && o.leader() && o.leaderReady() && o.detectorQuorum()
        && o.majorityContactAgeNanos() <= leaseNanos && o.term() != relinquishedTerm;
    if (mayLead && primaryTerm != o.term()) {
      primaryTerm = o.term();
      armed = true;
      actions.add(new FencingAction.CreateFenceFile(o.term()));
    } else if (!mayLead) {
      dropPrimary(actions, fenced != null ? "fenced: " + fenced.name() : o.leader() ? "leadership not confirmed" : "not leader");
    }
    return actions;
  }

  /** Fresh evidence, from both the detector and Raft, that this node is part of a majority. */
  private boolean inMajority(FencingObservation o) {
    if (!o.detectorQuorum()) {
      return false;
    }
    return o.leader()
        ? o.leaderReady() && o.majorityContactAgeNanos() <= leaseNanos
        : o.leaderContactAgeNanos() < electionTimeoutMinNanos;
  }

  private Optional<FenceReason> cause(FencingObservation o) {
    if (quarantined && o.nowNanos() - quarantineUntilNanos < 0) {
      return Optional.of(FenceReason.PROCESS_PAUSE);
    }
    quarantined = false;
    if (o.leader() && o.leaderReady() && o.majorityContactAgeNanos() > leaseNanos) {
      return Optional.of(FenceReason.LEADER_LEASE_EXPIRED);
    }
    if (!o.detectorQuorum()) {
      return Optional.of(FenceReason.QUORUM_LOST);
    }
    return Optional.empty();
  }

  /**
   * This node is about to hand its leadership to another on purpose (a planned transfer): give up
   * the fence file first, and do not take it back in this term. A newer term seen afterwards is
   * then the expected successor, not a suspected split brain.
   */
  public List<FencingAction> relinquish() {
    List<FencingAction> actions = new ArrayList<>();
    if (primaryTerm >= 0) {
      relinquishedTerm = primaryTerm;
    }
    dropPrimary(actions, "handing leadership over");
    return actions;
  }

  private void dropPrimary(List<FencingAction> actions, String why) {
    if (primaryTerm >= 0) {
      primaryTerm = -1;
      actions.add(new FencingAction.RemoveFenceFile(why));
    }
  }

  private String detail(FencingObservation o, FenceReason reason) {
    return switch (reason) {
      case PROCESS_PAUSE -> "pause_ms=" + o.pauseNanos() / 1_000_000 + " threshold_ms="
          + pauseThresholdNanos / 1_000_000 + " quarantine_ms=" + quarantineNanos / 1_000_000;
      case LEADER_LEASE_EXPIRED -> "majority_contact_age_ms=" + o.majorityContactAgeNanos() / 1_000_000
          + " lease_ms=" + leaseNanos / 1_000_000;
      case QUORUM_LOST -> "detector_quorum=false";
    };
  }

  /** Why the node is fenced, if it is. */
  public Optional<FenceReason> fenced() {
    return Optional.ofNullable(fenced);
  }

  /** Since when (monotonic nanoseconds) the node is fenced; meaningful only while fenced. */
  public long fencedSinceNanos() {
    return fencedSinceNanos;
  }

  /** Whether the node has been part of a majority since it started (so it has something to lose). */
  public boolean armed() {
    return armed;
  }

  /** The term for which this node holds the fence file, or -1. */
  public long primaryTerm() {
    return primaryTerm;
  }
}
