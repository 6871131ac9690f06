package io.splitguard.server.ap;

import java.time.Duration;
import java.util.Objects;

/**
 * Timing and bounds of AP replication.
 *
 * @param pushInterval how often pending changes are pushed to peers (default 100 ms)
 * @param antiEntropyInterval how often a Merkle anti-entropy round runs with each peer (default 5 s)
 * @param batchMax most entries per push or range request (default 256)
 * @param rangeCount Merkle ranges (a power of two; default 256)
 * @param rangesPerRequest most differing ranges fetched per range request (default 16)
 * @param initialBackoff first retry delay after a peer failed (default 200 ms); doubles per failure
 * @param maxBackoff longest retry delay (default 5 s)
 * @param requestTimeout timeout of one node-to-node request (default 2 s)
 */
public record ApReplicationSettings(
    Duration pushInterval, Duration antiEntropyInterval, int batchMax, int rangeCount, int rangesPerRequest,
    Duration initialBackoff, Duration maxBackoff, Duration requestTimeout) {

  /** Validates the fields. */
  public ApReplicationSettings {
    Objects.requireNonNull(pushInterval, "pushInterval");
    Objects.requireNonNull(antiEntropyInterval, "antiEntropyInterval");
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    if (batchMax < 1 || batchMax > ApWire.MAX_ENTRIES) {
      throw new IllegalArgumentException("batchMax must be between 1 and " + ApWire.MAX_ENTRIES + ", got " + batchMax);
    }
    if (rangeCount < 1 || Integer.bitCount(rangeCount) != 1) {
      throw new IllegalArgumentException("rangeCount must be a power of two, got " + rangeCount);
    }
    if (rangesPerRequest < 1) {
      throw new IllegalArgumentException("rangesPerRequest must be positive, got " + rangesPerRequest);
    }
  }

  /** The defaults. */
  public static ApReplicationSettings defaults() {
    return new ApReplicationSettings(Duration.ofMillis(100), Duration.ofSeconds(5), 256, 256, 16,
        Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofSeconds(2));
  }

  /** These settings with another anti-entropy interval. */
  public ApReplicationSettings withAntiEntropyInterval(Duration interval) {
    return new ApReplicationSettings(pushInterval, interval, batchMax, rangeCount, rangesPerRequest,
        initialBackoff, maxBackoff, requestTimeout);
  }
}
