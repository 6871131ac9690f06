package io.splitguard.core.ap.clock;

import java.util.Objects;

/**
 * A node's hybrid logical clock (Kulkarni, Demirbas et al., "Logical Physical Clocks and
 * Consistent Snapshots in Globally Distributed Databases", 2014), with the offset bound enforced.
 *
 * <p>Wall time is always an argument: the clock never reads one, so tests and the simulator can
 * skew it at will. Every issued stamp is strictly greater than every stamp this clock issued or
 * received before, hence causally consistent: a value written after seeing another orders after
 * it. A refusal leaves the state unchanged.
 *
 * <p>Not thread-safe: one owner (the node's event loop) calls it.
 */
public final class HlcClock {
  private final HlcSettings settings;
  private long lastPhysicalMs;
  private int lastLogical;

  /** A clock that has seen nothing yet. */
  public HlcClock(HlcSettings settings) {
    this(settings, 0, 0);
  }

  /**
   * A clock restored after a restart, having seen {@code highest} (from the WAL or a snapshot), so
   * that it never re-issues a stamp it issued before the crash.
   */
  public static HlcClock restored(HlcSettings settings, Hlc highest) {
    return new HlcClock(settings, highest.physicalMs(), highest.logical());
  }

  private HlcClock(HlcSettings settings, long lastPhysicalMs, int lastLogical) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.lastPhysicalMs = lastPhysicalMs;
    this.lastLogical = lastLogical;
  }

  /** The settings. */
  public HlcSettings settings() {
    return settings;
  }

  /** The highest physical time seen (issued or received), in milliseconds. */
  public long highestPhysicalMs() {
    return lastPhysicalMs;
  }

  /**
   * Stamps a local event (a write) at wall time {@code wallMs}.
   *
   * <p>Refuses with {@code LOCAL_CLOCK_BEHIND} when the wall clock is more than the bound behind
   * the highest time seen: stamping would still be correct, but every write this node makes would
   * carry someone else's future, and the operator should hear about it before LWW surprises them.
   */
  public HlcResult now(long wallMs) {
    long maxOffsetMs = settings.maxOffsetMs();
    if (lastPhysicalMs - wallMs > maxOffsetMs) {
      return new HlcResult.Refused(HlcResult.Reason.LOCAL_CLOCK_BEHIND, wallMs, lastPhysicalMs, maxOffsetMs);
    }
    if (wallMs > lastPhysicalMs) {
      return issue(wallMs, 0);
    }
    if (lastLogical == Integer.MAX_VALUE) {
      return new HlcResult.Refused(HlcResult.Reason.LOGICAL_OVERFLOW, wallMs, lastPhysicalMs, maxOffsetMs);
    }
    return issue(lastPhysicalMs, lastLogical + 1);
  }

  /**
   * Takes in a stamp received from another node (with a replicated value) at local wall time
   * {@code wallMs}, and stamps the receive event.
   *
   * <p>Refuses with {@code REMOTE_CLOCK_AHEAD}, without moving the clock, when the remote stamp is
   * more than the bound ahead of the local wall clock: adopting it is how one bad clock would infect
   * all. The caller must then not apply the value (and should report the sender).
   */
  public HlcResult update(Hlc remote, long wallMs) {
    Objects.requireNonNull(remote, "remote");
    long maxOffsetMs = settings.maxOffsetMs();
    if (remote.physicalMs() - wallMs > maxOffsetMs) {
      return new HlcResult.Refused(HlcResult.Reason.REMOTE_CLOCK_AHEAD, wallMs, remote.physicalMs(), maxOffsetMs);
    }
    if (lastPhysicalMs - wallMs > maxOffsetMs) {
      return new HlcResult.Refused(HlcResult.Reason.LOCAL_CLOCK_BEHIND, wallMs, lastPhysicalMs, maxOffsetMs);
    }
    long physical = Math.max(wallMs, Math.max(lastPhysicalMs, remote.physicalMs()));
    long logical;
    if (physical == lastPhysicalMs && physical == remote.physicalMs()) {
      logical = Math.max((long) lastLogical, remote.logical()) + 1;
    } else if (physical == lastPhysicalMs) {
      logical = (long) lastLogical + 1;
    } else if (physical == remote.physicalMs()) {
      logical = (long) remote.logical() + 1;
    } else {
      logical = 0;
    }
    if (logical > Integer.MAX_VALUE) {
      return new HlcResult.Refused(HlcResult.Reason.LOGICAL_OVERFLOW, wallMs, physical, maxOffsetMs);
    }
    return issue(physical, (int) logical);
  }

  private HlcResult issue(long physicalMs, int logical) {
    lastPhysicalMs = physicalMs;
    lastLogical = logical;
    return new HlcResult.Stamped(new Hlc(physicalMs, logical, settings.node()));
  }
}
