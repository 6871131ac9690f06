package io.splitguard.raft;

import io.splitguard.core.cluster.ClusterSpec;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.config.NodeSettings;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Everything needed to start this node's replica of the registry.
 *
 * @param self this node
 * @param cluster all voting members
 * @param clusterName name that scopes the Raft group, so nodes of two clusters never join each other
 * @param dataDir this node's data directory; Raft keeps its log and snapshots under {@code raft/}
 * @param settings validated node settings
 */
public record RegistryOptions(
    NodeId self, ClusterSpec cluster, String clusterName, Path dataDir, NodeSettings settings) {
  /** Null checks and membership check. */
  public RegistryOptions {
    Objects.requireNonNull(self, "self");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(clusterName, "clusterName");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(settings, "settings");
    cluster.require(self);
  }
}
