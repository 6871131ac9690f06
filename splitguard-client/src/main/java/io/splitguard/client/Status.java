package io.splitguard.client;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A node's view of itself and of the cluster, as answered by {@code GET /v1/status}. Fields the
 * node adds beyond these are ignored.
 *
 * @param nodeId the id of the node that answered
 * @param role the node's consensus role as the node names it (for example {@code LEADER}, {@code
 *     FOLLOWER}, {@code CANDIDATE}); empty if not reported
 * @param leaderId the id of the leader the node knows of, or {@code null} if it knows none (see
 *     {@link #leader()})
 * @param term the node's current consensus term, or {@code -1} if not reported
 * @param partitionStatus {@code HEALTHY}, {@code DEGRADED} (some peers unreachable, quorum kept)
 *     or {@code PARTITIONED} (no quorum reachable), as the node reports it; empty if not reported
 * @param quorum whether the node currently reaches a majority of the members (itself included);
 *     {@code false} if the node did not say, because claiming a quorum nobody reported would be the
 *     dangerous mistake
 * @param fenced whether the node is fenced (it lost quorum while holding leadership or locks, and
 *     its write gate is closed)
 * @param members every member the node knows, itself included, in the order the node listed them
 * @param appliedIndex the log index the node has applied, or {@code -1} if not reported
 * @param commitIndex the log index the node knows to be committed, or {@code -1} if not reported;
 *     {@code commitIndex - appliedIndex} is how far the node's state machine lags its log
 */
public record Status(
    String nodeId,
    String role,
    String leaderId,
    long term,
    String partitionStatus,
    boolean quorum,
    boolean fenced,
    List<Member> members,
    long appliedIndex,
    long commitIndex) {

  /** Checks required fields and freezes the member list. */
  public Status {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(partitionStatus, "partitionStatus");
    members = List.copyOf(members);
  }

  /** The leader the node knows of, if any. */
  public Optional<String> leader() {
    return Optional.ofNullable(leaderId);
  }

  /** Whether the answering node reports itself as the leader. */
  public boolean isLeader() {
    return "LEADER".equalsIgnoreCase(role);
  }
}
