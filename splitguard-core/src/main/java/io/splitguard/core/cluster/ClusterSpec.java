package io.splitguard.core.cluster;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The static membership of a cluster, as read from the cluster file.
 *
 * <p>Validated on construction: ids and addresses are unique, so that a typo cannot make two nodes
 * share a port or an identity.
 */
public record ClusterSpec(List<ClusterMember> members) {
  /** Validates and freezes the member list. */
  public ClusterSpec {
    if (members == null || members.isEmpty()) {
      throw new IllegalArgumentException("cluster.members must list at least one member");
    }
    members = List.copyOf(members);
    Set<NodeId> ids = new HashSet<>();
    Set<HostPort> addresses = new HashSet<>();
    for (ClusterMember m : members) {
      if (!ids.add(m.id())) {
        throw new IllegalArgumentException("cluster.members: duplicate id " + m.id());
      }
      if (!addresses.add(m.raft())) {
        throw new IllegalArgumentException("cluster.members: address " + m.raft() + " used twice");
      }
      if (!addresses.add(m.api())) {
        throw new IllegalArgumentException("cluster.members: address " + m.api() + " used twice");
      }
    }
  }

  /** The member with {@code id}, if any. */
  public Optional<ClusterMember> member(NodeId id) {
    return members.stream().filter(m -> m.id().equals(id)).findFirst();
  }

  /**
   * The member with {@code id}.
   *
   * @throws IllegalArgumentException naming the known ids if there is none
   */
  public ClusterMember require(NodeId id) {
    return member(id)
        .orElseThrow(() -> new IllegalArgumentException(
            "unknown member id '" + id + "'; the cluster file lists "
                + members.stream().map(m -> m.id().value()).toList()));
  }

  /** Number of voting members that form a majority. */
  public int quorumSize() {
    return members.size() / 2 + 1;
  }

  /** All members except {@code self}. */
  public List<ClusterMember> peersOf(NodeId self) {
    return members.stream().filter(m -> !m.id().equals(self)).toList();
  }
}
