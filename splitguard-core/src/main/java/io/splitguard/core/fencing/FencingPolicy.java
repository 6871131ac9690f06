package io.splitguard.core.fencing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The self-fencing rules of one node, as a pure state machine: feed it an observation at every
 * look, carry out the actions it returns, in order.
 *
 * <p>Rules, in priority order, decide whether the node is fenced at a look:
 *
 * <ol>
 *   <li>a pause longer than the threshold fences it, and it stays fenced for a quarantine after
 *       the pause ({@link FenceReason#PROCESS_PAUSE});
 *   <li>a leader whose majority contact is older than the lease is fenced ({@link
 *       FenceReason#LEADER_LEASE_EXPIRED});
 *   <li>a node whose failure detector lost the majority it once had is fenced ({@link
 *       FenceReason#QUORUM_LOST}). A node that has never seen a majority since it started is not
 *       "fenced" (it has nothing to give up) but its write gate is closed all the same.
 * </ol>
 *
 * <p>On entering the fenced state the policy first removes the fence file, then steps down, then
 * fences (command, listeners): the cheapest and most important actuator first. The fence file
 * exists only while the node leads, Raft says its leadership is confirmed by a commit in its term,
 * the majority answered within the lease, the detector sees a majority, and it is not fenced.
 *
 * <p>Not thread-safe: one fencing loop drives it.
 */
public final class FencingPolicy {
  private final long leaseNanos;
  private final long pauseThresholdNanos;
  private final long quarantineNanos;

  private FenceReason fenced;
  private long fencedSinceNanos;
  private boolean quarantined;
  private long quarantineUntilNanos;
  private boolean hadQuorum;
  private long primaryTerm = -1;

  /**
   * @param settings lease and pause threshold
   * @param electionTimeoutMax sizes the quarantine after a pause
   */
  public FencingPolicy(FencingSettings settings, Duration electionTimeoutMax) {
    this.leaseNanos = settings.lease().toNanos();
    this.pauseThresholdNanos = settings.pauseThreshold().toNanos();
    this.quarantineNanos = settings.quarantine(electionTimeoutMax).toNanos();
  }

  /** Decides what to do about one observation. */
  public List<FencingAction> observe(FencingObservation o) {
    List<FencingAction> actions = new ArrayList<>();
    if (o.pauseNanos() > pauseThresholdNanos) {
      actions.add(new FencingAction.PauseDetected(o.pauseNanos()));
      quarantined = true;
      quarantineUntilNanos = o.nowNanos() + quarantineNanos;
    }
    if (primaryTerm >= 0 && o.term() > primaryTerm) {
      actions.add(new FencingAction.SplitBrainSuspected(primaryTerm, o.term()));
    }
    Optional<FenceReason> cause = cause(o);
    if (o.detectorQuorum() && cause.isEmpty()) {
      hadQuorum = true;
    }

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
    } else if (cause.isEmpty() && fenced != null) {
      actions.add(new FencingAction.Unfence(fenced, o.nowNanos() - fencedSinceNanos));
      fenced = null;
    }

    boolean mayLead = fenced == null && o.leader() && o.leaderReady() && o.detectorQuorum()
        && o.majorityContactAgeNanos() <= leaseNanos;
    if (mayLead && primaryTerm != o.term()) {
      primaryTerm = o.term();
      actions.add(new FencingAction.CreateFenceFile(o.term()));
    } else if (!mayLead) {
      dropPrimary(actions, fenced != null ? "fenced: " + fenced.name() : o.leader() ? "leadership not confirmed" : "not leader");
    }
    return actions;
  }

  private Optional<FenceReason> cause(FencingObservation o) {
    if (quarantined && o.nowNanos() - quarantineUntilNanos < 0) {
      return Optional.of(FenceReason.PROCESS_PAUSE);
    }
    quarantined = false;
    if (o.leader() && o.majorityContactAgeNanos() > leaseNanos) {
      return Optional.of(FenceReason.LEADER_LEASE_EXPIRED);
    }
    if (!o.detectorQuorum() && hadQuorum) {
      return Optional.of(FenceReason.QUORUM_LOST);
    }
    return Optional.empty();
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

  /** The term for which this node holds the fence file, or -1. */
  public long primaryTerm() {
    return primaryTerm;
  }
}
