package io.splitguard.core.membership;

import io.splitguard.core.cluster.NodeId;

/** A change an operator asks for. */
public sealed interface MembershipChange {
  /** The member the change is about. */
  NodeId member();

  /** Make a voter a non-voting listener (for example a slow or unhealthy node). */
  record Demote(NodeId member) implements MembershipChange {}

  /** Make a listener a voter again. */
  record Promote(NodeId member) implements MembershipChange {}

  /**
   * Add a member that is not in the configuration yet, as a non-voting listener: it catches up
   * from the leader before anyone may promote it.
   */
  record AddListener(NodeId member) implements MembershipChange {}

  /** Drop a member from the configuration. */
  record Remove(NodeId member) implements MembershipChange {}
}
