package io.splitguard.testkit.sim;

/**
 * Sees every heartbeat the simulation delivers, just after the receiver's detector took it. Used
 * by measurements that need more than the detectors keep (gap histograms, phi at arrival).
 */
@FunctionalInterface
public interface HeartbeatListener {
  /**
   * @param receiver index of the receiving node
   * @param sender index of the sending node
   * @param nowNanos simulated time of arrival
   * @param phiBefore the receiver's phi for the sender just before this arrival: the highest phi
   *     of the silence that this heartbeat ends (phi grows with silence); infinite if the sender
   *     was never heard
   * @param silenceBeforeNanos how long the receiver had heard nothing from the sender; -1 if
   *     never
   */
  void onHeartbeat(int receiver, int sender, long nowNanos, double phiBefore,
      long silenceBeforeNanos);
}
