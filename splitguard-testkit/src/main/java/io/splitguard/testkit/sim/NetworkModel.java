package io.splitguard.testkit.sim;

import java.time.Duration;
import java.util.Objects;

/**
 * How the simulated network treats heartbeats when no fault is injected. Faults (crashes,
 * partitions) are applied to a {@link Simulation} separately.
 *
 * <p>One-way delay of a heartbeat from node a to node b is {@code baseDelay + jitter * scale(a,
 * b)}, where {@code scale} is fixed per directed link for the whole run (log-normal with median 1
 * and sigma {@code linkSpread}): some links are simply worse than others, which is where an
 * adaptive detector should beat a fixed timeout. Each heartbeat is lost independently with
 * {@code lossProbability}. Jitter reorders heartbeats as a real network does.
 *
 * @param baseDelay fixed part of every delay
 * @param jitter random part of every delay
 * @param lossProbability chance that a heartbeat is lost, in [0, 1)
 * @param linkSpread how different links are (0: all alike)
 * @param stalls random sender stalls
 */
public record NetworkModel(
    Duration baseDelay, Jitter jitter, double lossProbability, double linkSpread, Stalls stalls) {

  /** Validates the fields. */
  public NetworkModel {
    Objects.requireNonNull(baseDelay, "baseDelay");
    Objects.requireNonNull(jitter, "jitter");
    Objects.requireNonNull(stalls, "stalls");
    if (baseDelay.isNegative()) {
      throw new IllegalArgumentException("baseDelay must not be negative");
    }
    if (!(lossProbability >= 0 && lossProbability < 1)) {
      throw new IllegalArgumentException("lossProbability must be in [0, 1), got " + lossProbability);
    }
    if (!(linkSpread >= 0) || Double.isInfinite(linkSpread)) {
      throw new IllegalArgumentException("linkSpread must be finite and not negative");
    }
  }

  /** A perfect network: 1 ms delay, no jitter, no loss, no stalls. */
  public static NetworkModel perfect() {
    return new NetworkModel(Duration.ofMillis(1), new Jitter.None(), 0, 0, Stalls.NONE);
  }

  /**
   * A busy data-centre LAN: 0.5 ms base, log-normal jitter with median 2 ms (p99 about 20 ms,
   * rare outliers of 100 ms and more), 1% loss, links differing by about a factor of 1.6, no
   * stalls.
   */
  public static NetworkModel jitteryLan() {
    return new NetworkModel(
        Duration.ofNanos(500_000), new Jitter.LogNormal(Duration.ofMillis(2), 1.0), 0.01, 0.5,
        Stalls.NONE);
  }

  /** The same network with other stalls. */
  public NetworkModel withStalls(Stalls newStalls) {
    return new NetworkModel(baseDelay, jitter, lossProbability, linkSpread, newStalls);
  }
}
