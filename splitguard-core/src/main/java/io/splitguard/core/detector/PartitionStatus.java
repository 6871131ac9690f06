package io.splitguard.core.detector;

/** How well a node is connected to the rest of its cluster. */
public enum PartitionStatus {
  /** Every peer is reachable. */
  HEALTHY,
  /** Some peers are unreachable, but a majority (counting this node) is reachable. */
  DEGRADED,
  /** No majority is reachable: CP writes and linearizable reads are refused here. */
  PARTITIONED
}
