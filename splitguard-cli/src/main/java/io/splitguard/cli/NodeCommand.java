package io.splitguard.cli;

import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.config.NodeSettings;
import io.splitguard.core.membership.MembershipSettings;
import io.splitguard.server.NodeOptions;
import io.splitguard.server.SplitGuardNode;
import io.splitguard.server.TestFaults;
import io.splitguard.server.ap.ApSettings;
import io.splitguard.server.config.ClusterFile;
import io.splitguard.server.config.SettingsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code splitguard node}: runs one node in the foreground until it is terminated. */
@Command(name = "node", mixinStandardHelpOptions = true,
    description = "Run one cluster node in the foreground (stops cleanly on SIGTERM / Ctrl-C).")
final class NodeCommand implements Callable<Integer> {
  @Option(names = "--cluster", required = true, paramLabel = "FILE",
      description = "Cluster file (YAML or JSON): cluster.members[] with id, raft and api addresses.")
  Path clusterFile;

  @Option(names = "--id", required = true, paramLabel = "ID", description = "This node's id in the cluster file.")
  String id;

  @Option(names = "--data-dir", required = true, paramLabel = "DIR",
      description = "Data directory (Raft log, snapshots); created if missing.")
  Path dataDir;

  @Option(names = "--config", paramLabel = "FILE",
      description = "Node settings (YAML or JSON); every key optional, see docs/configuration.md.")
  Path configFile;

  @Option(names = "--join",
      description = "Join a running cluster: start with an empty Raft configuration and wait until "
          + "an operator adds this node ('splitguard members add'). The cluster file lists the running "
          + "members and this node. Ignored once this node has a Raft log.")
  boolean join;

  @Option(names = "--exit-with-parent", hidden = true, paramLabel = "PID",
      description = "Exit when this process ends (used by 'dev' so no node outlives it).")
  Long parentPid;

  @Option(names = "--test-fault-local-linearizable-reads", hidden = true,
      description = "TEST ONLY: serve linearizable reads from local state (deliberately unsafe), "
          + "to show that the chaos checker catches a broken system.")
  boolean localLinearizableReads;

  @Override
  public Integer call() {
    NodeOptions options;
    try {
      ClusterFile.Parsed cluster = ClusterFile.read(clusterFile);
      NodeSettings settings = configFile == null ? NodeSettings.defaults().validate() : SettingsFile.read(configFile);
      ApSettings ap = configFile == null ? ApSettings.defaults() : SettingsFile.readAp(configFile);
      MembershipSettings membership = configFile == null
          ? MembershipSettings.defaults() : SettingsFile.readMembership(configFile);
      boolean promptElection = configFile == null || SettingsFile.readPromptElection(configFile);
      NodeId self;
      try {
        self = NodeId.of(id);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--id: " + e.getMessage());
      }
      try {
        cluster.spec().require(self);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--id: " + e.getMessage());
      }
      options = new NodeOptions(self, cluster, dataDir, settings, new TestFaults(localLinearizableReads), ap,
          membership, join, promptElection);
    } catch (IllegalArgumentException e) {
      System.err.println("splitguard node: " + e.getMessage());
      return SplitGuardCli.EXIT_USAGE;
    }
    Logging.install();
    ParentWatch.start(parentPid);
    SplitGuardNode node;
    try {
      node = SplitGuardNode.start(options);
    } catch (IOException | RuntimeException e) {
      System.err.println("splitguard node: cannot start " + options.self() + ": " + e.getMessage());
      return SplitGuardCli.EXIT_FAILED;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      node.close();
      stopped.countDown();
    }, "shutdown-" + options.self()));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }
}
