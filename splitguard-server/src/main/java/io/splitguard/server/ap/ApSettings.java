package io.splitguard.server.ap;

import io.splitguard.core.ap.clock.HlcSettings;
import io.splitguard.core.cluster.NodeId;
import java.time.Duration;
import java.util.Objects;

/**
 * The AP tier's settings of a node (the {@code ap:} section of the settings file).
 *
 * @param maxClockOffset the HLC bound: a node whose wall clock is more than this behind the highest
 *     hybrid-logical time it has seen refuses to stamp LWW writes, and a received stamp more than
 *     this ahead of the local wall clock is not applied (default 500 ms)
 * @param pushInterval how often pending changes are pushed to peers (default 100 ms)
 * @param antiEntropyInterval how often a Merkle anti-entropy round runs with each peer (default 5 s)
 * @param store the store's bounds: superseded values kept per key ({@code ap.historyMaxEntries},
 *     default 100) and log records between snapshots ({@code ap.snapshotEveryRecords}, default
 *     10,000); see {@link ApStoreSettings}
 */
public record ApSettings(Duration maxClockOffset, Duration pushInterval, Duration antiEntropyInterval,
    ApStoreSettings store) {
  /** Settings with the default store bounds. */
  public ApSettings(Duration maxClockOffset, Duration pushInterval, Duration antiEntropyInterval) {
    this(maxClockOffset, pushInterval, antiEntropyInterval, ApStoreSettings.defaults());
  }

  /** Validates the fields. */
  public ApSettings {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(maxClockOffset, "maxClockOffset");
    Objects.requireNonNull(pushInterval, "pushInterval");
    Objects.requireNonNull(antiEntropyInterval, "antiEntropyInterval");
    if (maxClockOffset.isNegative() || maxClockOffset.isZero()) {
      throw new IllegalArgumentException("ap.maxClockOffset must be positive, got " + maxClockOffset.toMillis() + " ms");
    }
    if (pushInterval.toMillis() < 1 || antiEntropyInterval.toMillis() < 1) {
      throw new IllegalArgumentException("ap.pushInterval and ap.antiEntropyInterval must be at least 1 ms");
    }
  }

  /** The defaults. */
  public static ApSettings defaults() {
    ApReplicationSettings r = ApReplicationSettings.defaults();
    return new ApSettings(HlcSettings.DEFAULT_MAX_OFFSET, r.pushInterval(), r.antiEntropyInterval());
  }

  /** The clock settings of {@code node}. */
  public HlcSettings hlc(NodeId node) {
    return new HlcSettings(node, maxClockOffset);
  }

  /** The replication settings: these intervals, default bounds. */
  public ApReplicationSettings replication() {
    ApReplicationSettings d = ApReplicationSettings.defaults();
    return new ApReplicationSettings(pushInterval, antiEntropyInterval, d.batchMax(), d.rangeCount(),
        d.rangesPerRequest(), d.initialBackoff(), d.maxBackoff(), d.requestTimeout());
  }
}
