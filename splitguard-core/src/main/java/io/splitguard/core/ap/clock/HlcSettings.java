package io.splitguard.core.ap.clock;

import io.splitguard.core.cluster.NodeId;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a node's {@link HlcClock}.
 *
 * @param node the node whose stamps the clock issues
 * @param maxOffset the largest difference between this node's wall clock and the highest HLC
 *     physical time it may accept, in either direction. A node whose wall clock is further behind
 *     what it has already seen, or that receives a stamp further ahead of its wall clock, refuses
 *     to stamp: otherwise one node with a clock set to next year would drag every LWW timestamp in
 *     the cluster forward and silently make later real writes lose. Larger values tolerate worse
 *     NTP; smaller values catch skew sooner. Default 500 ms, well above NTP on a LAN.
 */
public record HlcSettings(NodeId node, Duration maxOffset) {
  /** The default bound: 500 ms. */
  public static final Duration DEFAULT_MAX_OFFSET = Duration.ofMillis(500);

  /** Validates the fields. */
  public HlcSettings {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(maxOffset, "maxOffset");
    if (maxOffset.isNegative() || maxOffset.isZero()) {
      throw new IllegalArgumentException("HLC maxOffset must be positive, was " + maxOffset);
    }
  }

  /** The settings for {@code node} with the default bound. */
  public static HlcSettings of(NodeId node) {
    return new HlcSettings(node, DEFAULT_MAX_OFFSET);
  }

  /** {@link #maxOffset} in milliseconds. */
  public long maxOffsetMs() {
    return maxOffset.toMillis();
  }
}
