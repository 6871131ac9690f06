package io.splitguard.server;

import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.config.NodeSettings;
import io.splitguard.core.membership.MembershipSettings;
import io.splitguard.server.ap.ApSettings;
import io.splitguard.server.config.ClusterFile;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a node needs to start.
 *
 * @param self this node's id; must be a member of {@code cluster}
 * @param cluster the parsed cluster file
 * @param dataDir this node's data directory (created if missing; locked while the node runs)
 * @param settings validated node settings
 * @param faults deliberate faults for testing the test harness; {@link TestFaults#NONE} in
 *     production
 * @param ap the AP tier's settings (clock bound, replication intervals)
 * @param membership automatic demotion and promotion catch-up settings
 * @param join whether this node joins a running cluster: its Raft server starts with an empty
 *     configuration and waits to be added as a listener (ignored once it has a Raft log)
 * @param promptElection whether this node, as a follower, starts an election as soon as a majority
 *     agrees the leader has been silent for {@code electionTimeoutMin} ({@code
 *     io.splitguard.core.election.PromptElection}); when off, only Raft's own timer does
 */
public record NodeOptions(
    NodeId self, ClusterFile.Parsed cluster, Path dataDir, NodeSettings settings, TestFaults faults,
    ApSettings ap, MembershipSettings membership, boolean join, boolean promptElection) {
  /** Checks that {@code self} is a member. */
  public NodeOptions {
    Objects.requireNonNull(self, "self");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(faults, "faults");
    Objects.requireNonNull(ap, "ap");
    Objects.requireNonNull(membership, "membership");
    cluster.spec().require(self);
  }

  /** Options with prompt elections on. */
  public NodeOptions(
      NodeId self, ClusterFile.Parsed cluster, Path dataDir, NodeSettings settings, TestFaults faults,
      ApSettings ap, MembershipSettings membership, boolean join) {
    this(self, cluster, dataDir, settings, faults, ap, membership, join, true);
  }

  /** Options with default membership settings, not joining. */
  public NodeOptions(
      NodeId self, ClusterFile.Parsed cluster, Path dataDir, NodeSettings settings, TestFaults faults,
      ApSettings ap) {
    this(self, cluster, dataDir, settings, faults, ap, MembershipSettings.defaults(), false);
  }

  /** Options with default AP settings. */
  public NodeOptions(
      NodeId self, ClusterFile.Parsed cluster, Path dataDir, NodeSettings settings, TestFaults faults) {
    this(self, cluster, dataDir, settings, faults, ApSettings.defaults());
  }

  /** Options without test faults. */
  public NodeOptions(NodeId self, ClusterFile.Parsed cluster, Path dataDir, NodeSettings settings) {
    this(self, cluster, dataDir, settings, TestFaults.NONE);
  }
}
