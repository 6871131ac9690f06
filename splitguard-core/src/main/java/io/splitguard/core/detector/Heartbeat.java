package io.splitguard.core.detector;

import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.health.HealthLevel;
import java.util.Objects;
import java.util.Set;

/**
 * One failure-detector heartbeat: who sent it, when (on the sender's monotonic clock), what the
 * sender sees, and an echo that lets the recipient measure the round trip.
 *
 * @param from the sender
 * @param sequence the sender's heartbeat counter
 * @param sentAtNanos the sender's monotonic time at sending
 * @param echoSentAtNanos the {@code sentAtNanos} of the last heartbeat the sender received from
 *     the recipient (in the recipient's clock), or -1 if none
 * @param echoHeldNanos how long the sender held that heartbeat before sending this one
 * @param health the sender's own health
 * @param reachable the peers the sender's detector reaches (for indirect connectivity)
 */
public record Heartbeat(
    NodeId from, long sequence, long sentAtNanos, long echoSentAtNanos, long echoHeldNanos,
    HealthLevel health, Set<NodeId> reachable) {
  /** Null checks; copies the set. */
  public Heartbeat {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(health, "health");
    reachable = Set.copyOf(reachable);
  }

  /**
   * The round trip this heartbeat's echo measures, in the recipient's clock: now minus the time
   * the recipient sent the echoed heartbeat, minus the time the sender held it. -1 if no echo.
   */
  public long roundTripNanos(long recipientNowNanos) {
    if (echoSentAtNanos < 0) {
      return -1;
    }
    return Math.max(0, recipientNowNanos - echoSentAtNanos - echoHeldNanos);
  }
}
