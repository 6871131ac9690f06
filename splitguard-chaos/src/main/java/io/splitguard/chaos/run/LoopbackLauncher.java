package io.splitguard.chaos.run;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster of node processes on 127.0.0.1 with free ports; no privileges needed. Faults are what
 * signals can do: pause (SIGSTOP/SIGCONT), kill (SIGKILL) and restart on the same data directory
 * and ports. It cannot cut or slow links: every node shares the host's loopback interface, and
 * filtering it would touch traffic that is not ours, so {@link #cut} and {@link #slow} throw (the
 * partition nemeses are refused up front in this mode; {@code isolate-leader} pauses the leader).
 */
public final class LoopbackLauncher implements ClusterLauncher {
  private static final Logger LOG = LoggerFactory.getLogger(LoopbackLauncher.class);

  private final Path runDir;
  private final int size;
  private final NodeCommand command;
  private final String settingsYaml;
  private final int[] apiPorts;
  private final int[] raftPorts;
  private final NodeProcesses processes;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread shutdownHook = new Thread(this::close, "chaos-loopback-cleanup");
  private Path clusterFile;
  private Path settingsFile;

  /**
   * Prepares (does not start) a cluster.
   *
   * @param runDir where the cluster file, data directories ({@code data/nK}) and logs ({@code
   *     nK.log}) go
   * @param size the number of nodes
   * @param command how to start a node JVM
   * @param settingsYaml node settings passed to every node, or {@code null} for the defaults
   */
  public LoopbackLauncher(Path runDir, int size, NodeCommand command, String settingsYaml) throws IOException {
    this.runDir = runDir;
    this.size = size;
    this.command = command;
    this.settingsYaml = settingsYaml;
    this.processes = new NodeProcesses(size, CommandRunner.system(10));
    List<Integer> ports = LoopbackPorts.free(2 * size);
    this.apiPorts = new int[size];
    this.raftPorts = new int[size];
    for (int i = 0; i < size; i++) {
      apiPorts[i] = ports.get(2 * i);
      raftPorts[i] = ports.get(2 * i + 1);
    }
  }

  @Override
  public LaunchMode mode() {
    return LaunchMode.LOOPBACK;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public URI apiUrl(int index) {
    return URI.create("http://127.0.0.1:" + apiPorts[index]);
  }

  @Override
  public Path logFile(int index) {
    return runDir.resolve(nodeId(index) + ".log");
  }

  /** The data directory of node {@code index}. */
  public Path dataDir(int index) {
    return runDir.resolve("data").resolve(nodeId(index));
  }

  @Override
  public void startAll() throws IOException {
    Files.createDirectories(runDir);
    List<ClusterFiles.Member> members = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      members.add(new ClusterFiles.Member(nodeId(i), "127.0.0.1:" + raftPorts[i], "127.0.0.1:" + apiPorts[i]));
    }
    clusterFile = ClusterFiles.writeCluster(runDir, "chaos-" + runDir.getFileName(), members);
    settingsFile = ClusterFiles.writeSettings(runDir, settingsYaml);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    for (int i = 0; i < size; i++) {
      start(i);
    }
  }

  @Override
  public void start(int index) throws IOException {
    Files.createDirectories(dataDir(index));
    processes.start(index, command.argv(clusterFile, nodeId(index), dataDir(index), settingsFile,
        ProcessHandle.current().pid()), logFile(index));
  }

  @Override
  public void stop(int index) throws IOException {
    processes.stop(index);
  }

  @Override
  public void kill(int index) throws IOException {
    processes.kill(index);
  }

  @Override
  public void pause(int index) throws IOException {
    processes.pause(index);
  }

  @Override
  public void resume(int index) throws IOException {
    processes.resume(index);
  }

  @Override
  public boolean isRunning(int index) {
    return processes.isRunning(index);
  }

  @Override
  public boolean isPaused(int index) {
    return processes.isPaused(index);
  }

  /** The pid of node {@code index}'s current process, or -1. */
  public long pid(int index) {
    return processes.pid(index);
  }

  @Override
  public boolean supportsNetworkFaults() {
    return false;
  }

  @Override
  public void cut(Set<Link> links) {
    throw new UnsupportedOperationException(
        "loopback mode cannot cut links between nodes; use --mode netns (root)");
  }

  @Override
  public String slow(NetworkShaping shaping) {
    throw new UnsupportedOperationException(
        "loopback mode cannot slow the network between nodes; use --mode netns (root)");
  }

  @Override
  public void healNetwork() {
    // nothing to heal: no network faults exist in this mode
  }

  @Override
  public List<String> notes() {
    return List.of("loopback mode: faults by signals only; isolate-leader is approximated by pausing the leader");
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    processes.stopAll();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException | IllegalArgumentException e) {
      // already shutting down (we are the hook), or never registered
    }
    LOG.info("event=cluster_stopped mode=loopback dir={}", runDir);
  }
}
