package io.splitguard.chaos.run;

import java.time.Duration;
import java.util.Objects;

/**
 * A slow, lossy network between the nodes: every node-to-node packet is delayed by {@code delay}
 * plus or minus {@code jitter} and dropped with probability {@code lossPercent / 100}.
 *
 * @param delay the mean one-way delay added per packet
 * @param jitter the spread around the delay
 * @param lossPercent the percentage of packets dropped, 0-100
 */
public record NetworkShaping(Duration delay, Duration jitter, double lossPercent) {
  /** Checks the ranges. */
  public NetworkShaping {
    Objects.requireNonNull(delay, "delay");
    Objects.requireNonNull(jitter, "jitter");
    if (delay.isNegative() || jitter.isNegative() || jitter.compareTo(delay) > 0) {
      throw new IllegalArgumentException("need 0 <= jitter <= delay, got delay " + delay + " jitter " + jitter);
    }
    if (!(lossPercent >= 0 && lossPercent <= 100)) {
      throw new IllegalArgumentException("lossPercent must be 0-100, got " + lossPercent);
    }
  }

  /** For logs and history values, e.g. {@code delay=200ms+-40ms loss=5%}. */
  public String describe() {
    return "delay=" + delay.toMillis() + "ms+-" + jitter.toMillis() + "ms loss=" + loss();
  }

  /** The loss as text, e.g. {@code 5%} or {@code 2.5%}. */
  public String loss() {
    return (lossPercent == Math.rint(lossPercent) ? Long.toString((long) lossPercent) : Double.toString(lossPercent)) + "%";
  }
}
