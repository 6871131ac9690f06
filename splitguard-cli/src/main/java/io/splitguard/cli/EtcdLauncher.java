package io.splitguard.cli;

import io.splitguard.chaos.run.ClusterLauncher;
import io.splitguard.chaos.run.CommandRunner;
import io.splitguard.chaos.run.LaunchMode;
import io.splitguard.chaos.run.Link;
import io.splitguard.chaos.run.LoopbackPorts;
import io.splitguard.chaos.run.NetworkShaping;
import io.splitguard.chaos.run.NodeProcesses;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An N-member etcd cluster of separate {@code etcd} processes on 127.0.0.1, behind the chaos
 * harness's {@link ClusterLauncher} so that the failover benchmark drives etcd and SplitGuard
 * through one interface. Members run with etcd's defaults (100 ms heartbeat, 1000 ms election
 * timeout, fsync of the WAL on every commit); only names, ports and data directories are set.
 *
 * <p>Like the chaos {@code LoopbackLauncher}, faults are what signals can do (kill, pause,
 * restart); loopback cannot cut links between members without touching other traffic.
 */
final class EtcdLauncher implements ClusterLauncher {

  private final Path runDir;
  private final String binary;
  private final int size;
  private final int[] clientPorts;
  private final int[] peerPorts;
  private final NodeProcesses processes;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread shutdownHook = new Thread(this::close, "etcd-cleanup");

  /**
   * Prepares (does not start) a cluster.
   *
   * @param runDir where data directories ({@code data/nK}) and logs ({@code nK.log}) go
   * @param binary the etcd executable
   * @param size the number of members
   */
  EtcdLauncher(Path runDir, String binary, int size) throws IOException {
    this.runDir = runDir;
    this.binary = binary;
    this.size = size;
    this.clientPorts = new int[size];
    this.peerPorts = new int[size];
    this.processes = new NodeProcesses(size, CommandRunner.system(10));
    List<Integer> ports = LoopbackPorts.free(2 * size);
    for (int i = 0; i < size; i++) {
      clientPorts[i] = ports.get(2 * i);
      peerPorts[i] = ports.get(2 * i + 1);
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
    return URI.create("http://127.0.0.1:" + clientPorts[index]);
  }

  @Override
  public Path logFile(int index) {
    return runDir.resolve(nodeId(index) + ".log");
  }

  /** The command line of member {@code index}. */
  List<String> argv(int index) {
    StringJoiner initial = new StringJoiner(",");
    for (int i = 0; i < size; i++) {
      initial.add(nodeId(i) + "=" + peerUrl(i));
    }
    return List.of(binary,
        "--name", nodeId(index),
        "--data-dir", runDir.resolve("data").resolve(nodeId(index)).toString(),
        "--listen-client-urls", apiUrl(index).toString(),
        "--advertise-client-urls", apiUrl(index).toString(),
        "--listen-peer-urls", peerUrl(index),
        "--initial-advertise-peer-urls", peerUrl(index),
        "--initial-cluster", initial.toString(),
        // A token unique to this run, so members of an earlier run on reused ports never join.
        "--initial-cluster-token", "bench-" + ProcessHandle.current().pid() + "-" + runDir.getFileName(),
        // Ignored once the data directory exists, which is what a restart after a kill needs.
        "--initial-cluster-state", "new");
  }

  private String peerUrl(int index) {
    return "http://127.0.0.1:" + peerPorts[index];
  }

  @Override
  public void startAll() throws IOException {
    Files.createDirectories(runDir.resolve("data"));
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    for (int i = 0; i < size; i++) {
      start(i);
    }
  }

  @Override
  public void start(int index) throws IOException {
    processes.start(index, argv(index), logFile(index));
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

  @Override
  public boolean supportsNetworkFaults() {
    return false;
  }

  @Override
  public void cut(Set<Link> links) {
    throw new UnsupportedOperationException("loopback etcd members cannot be cut apart");
  }

  @Override
  public String slow(NetworkShaping shaping) {
    throw new UnsupportedOperationException("loopback etcd members cannot be slowed");
  }

  @Override
  public void healNetwork() {
    // nothing to heal: no network faults exist on loopback
  }

  @Override
  public List<String> notes() {
    return List.of("etcd on loopback with default timeouts; faults by signals only");
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
  }
}
