package io.splitguard.core.ap.clock;

import io.splitguard.core.cluster.NodeId;
import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Garbage collection of vector-clock entries of decommissioned nodes.
 *
 * <p>Without it every node that ever wrote keeps an entry in every clock forever. An entry may go
 * once its node is gone for good and the retention period has passed: by then every replica has
 * long received that node's last writes, so every replica holds the same final counter for it and
 * dropping it on all of them changes no comparison between clocks that both went through this
 * collector. Callers must therefore pass every clock through the same collector before comparing
 * (incoming clocks too); {@link #collect} is idempotent, so doing it twice is harmless.
 *
 * <p>What was dropped is kept as a {@link ClockTombstone} so that data re-imported later can be
 * verified. Pure: the current time is an argument.
 *
 * @param retention how long after decommissioning entries are kept (default 90 days). Shorter
 *     frees memory sooner but risks collecting an entry while a straggler replica still has a
 *     write of that node in flight, which would then compare as concurrent instead of older.
 */
public record VectorClockGc(Duration retention) {
  /** The default retention: 90 days. */
  public static final Duration DEFAULT_RETENTION = Duration.ofDays(90);

  /** Validates the field. */
  public VectorClockGc {
    Objects.requireNonNull(retention, "retention");
    if (retention.isNegative()) {
      throw new IllegalArgumentException("retention must not be negative, was " + retention);
    }
  }

  /** The collector with the default retention. */
  public static VectorClockGc defaults() {
    return new VectorClockGc(DEFAULT_RETENTION);
  }

  /**
   * The result of one collection.
   *
   * @param clock the clock without the collected entries
   * @param tombstone the record of what was removed, empty if nothing was
   */
  public record Collected(VectorClock clock, Optional<ClockTombstone> tombstone) {
    /** Validates the fields. */
    public Collected {
      Objects.requireNonNull(clock, "clock");
      Objects.requireNonNull(tombstone, "tombstone");
    }
  }

  /** The nodes whose retention has passed at {@code nowMs}. */
  public Set<NodeId> expired(Collection<Decommissioned> decommissioned, long nowMs) {
    Set<NodeId> expired = new TreeSet<>();
    long retentionMs = retention.toMillis();
    for (Decommissioned d : decommissioned) {
      // Subtraction rather than d.atMs() + retention, which could overflow for far-future times.
      if (nowMs - d.atMs() >= retentionMs) {
        expired.add(d.node());
      }
    }
    return expired;
  }

  /** Removes from {@code clock} the entries of nodes whose retention has passed at {@code nowMs}. */
  public Collected collect(VectorClock clock, Collection<Decommissioned> decommissioned, long nowMs) {
    Set<NodeId> expired = expired(decommissioned, nowMs);
    TreeMap<NodeId, Long> removed = new TreeMap<>();
    for (NodeId n : expired) {
      long c = clock.get(n);
      if (c > 0) {
        removed.put(n, c);
      }
    }
    if (removed.isEmpty()) {
      return new Collected(clock, Optional.empty());
    }
    ClockTombstone tombstone =
        new ClockTombstone(java.util.List.copyOf(removed.keySet()), ClockTombstone.digest(removed), nowMs);
    return new Collected(clock.without(removed.keySet()), Optional.of(tombstone));
  }
}
