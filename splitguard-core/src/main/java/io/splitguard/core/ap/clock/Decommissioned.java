package io.splitguard.core.ap.clock;

import io.splitguard.core.cluster.NodeId;
import java.util.Objects;

/**
 * A node that left the cluster for good (a registry record, agreed by quorum), and when.
 *
 * @param node the node
 * @param atMs wall time of the decommissioning, in milliseconds since the epoch
 */
public record Decommissioned(NodeId node, long atMs) {
  /** Validates the fields. */
  public Decommissioned {
    Objects.requireNonNull(node, "node");
  }
}
