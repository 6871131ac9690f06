package io.splitguard.core.cluster;

import java.util.Objects;

/**
 * One voting member of the cluster.
 *
 * @param id the node's identity
 * @param raft address of its consensus (Raft) endpoint
 * @param api address of its HTTP API; its UDP heartbeats use the same host and port number
 */
public record ClusterMember(NodeId id, HostPort raft, HostPort api) {
  /** Validates the fields. */
  public ClusterMember {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(raft, "raft");
    Objects.requireNonNull(api, "api");
  }
}
