package io.splitguard.testkit.sim;

import io.splitguard.core.detector.DetectorSettings;
import io.splitguard.core.detector.StatusDebouncer;
import java.time.Duration;
import java.util.Objects;

/**
 * One simulation run: everything that, with the seed, determines it completely.
 *
 * @param nodes cluster size, at least 2 (every node is a voting member)
 * @param seed the root of all randomness in the run
 * @param detector detector settings of every node; heartbeats are sent every {@code
 *     detector.heartbeatInterval()}
 * @param network delay, loss and stall model
 * @param stableAfter the debounce of each node's reported status
 * @param trackConnectivity whether heartbeats carry the sender's reachable set, so that {@link
 *     Simulation#connectivity(int)} works; costs a set per node per heartbeat round
 */
public record SimConfig(
    int nodes, long seed, DetectorSettings detector, NetworkModel network, Duration stableAfter,
    boolean trackConnectivity) {

  /** Validates the fields. */
  public SimConfig {
    Objects.requireNonNull(detector, "detector");
    Objects.requireNonNull(network, "network");
    Objects.requireNonNull(stableAfter, "stableAfter");
    if (nodes < 2 || nodes > Simulation.MAX_NODES) {
      throw new IllegalArgumentException(
          "nodes must be in [2, " + Simulation.MAX_NODES + "], got " + nodes);
    }
  }

  /** {@code nodes} nodes with the lan detector on {@code network}, default debounce, no tracking. */
  public static SimConfig of(int nodes, long seed, NetworkModel network) {
    return new SimConfig(
        nodes, seed, DetectorSettings.lan(), network, StatusDebouncer.DEFAULT_STABLE_AFTER, false);
  }

  /** The same run with other detector settings. */
  public SimConfig withDetector(DetectorSettings settings) {
    return new SimConfig(nodes, seed, settings, network, stableAfter, trackConnectivity);
  }

  /** The same run with connectivity tracking switched on or off. */
  public SimConfig withConnectivity(boolean track) {
    return new SimConfig(nodes, seed, detector, network, stableAfter, track);
  }
}
