package io.splitguard.client;

import java.util.Objects;

/**
 * One cluster member as seen by the node that answered {@code GET /v1/status}.
 *
 * @param id the member's node id
 * @param address the member's address as the node knows it (typically {@code host:port}); may be
 *     empty if the node did not report one
 * @param reachable whether the answering node's failure detector currently considers the member
 *     reachable
 * @param phi the phi-accrual suspicion level of the member (higher means more likely down), or
 *     {@link Double#NaN} if the node did not report one
 * @param self whether this member is the node that answered
 * @param lastHeartbeatAgeMs milliseconds since the answering node last heard a heartbeat from the
 *     member ({@code 0} for itself), or {@code -1} if it did not report it (for example because it
 *     never heard one)
 */
public record Member(
    String id, String address, boolean reachable, double phi, boolean self, long lastHeartbeatAgeMs) {

  /** Checks that id and address are present. */
  public Member {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(address, "address");
  }
}
