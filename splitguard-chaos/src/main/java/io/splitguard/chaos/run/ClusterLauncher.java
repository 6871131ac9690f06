package io.splitguard.chaos.run;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Starts a real N-node cluster of separate node processes with fresh data directories under the
 * run directory, injects faults into it and always cleans up. Nodes are addressed by index
 * (0-based) and are named {@code n1..nN}.
 *
 * <p>{@link #close()} stops every node and removes everything the launcher created (network
 * namespaces, links, rules), also when the run failed; implementations also register a shutdown
 * hook so that Ctrl-C cleans up.
 */
public interface ClusterLauncher extends AutoCloseable {

  /** The launch mode. */
  LaunchMode mode();

  /** The number of nodes. */
  int size();

  /** The id of node {@code index}: {@code n1..nN}. */
  default String nodeId(int index) {
    return Fault.id(index);
  }

  /** The index of the node with this id, or -1. */
  default int indexOf(String nodeId) {
    for (int i = 0; i < size(); i++) {
      if (nodeId(i).equals(nodeId)) {
        return i;
      }
    }
    return -1;
  }

  /** Where the harness reaches node {@code index}'s HTTP API, e.g. {@code http://127.0.0.1:8101}. */
  URI apiUrl(int index);

  /** The node's log file (stdout and stderr of every incarnation, appended). */
  Path logFile(int index);

  /** Starts every node (and creates the network first, in netns mode). */
  void startAll() throws IOException;

  /** Starts node {@code index} again on its data directory; nothing if it is running. */
  void start(int index) throws IOException;

  /** Stops node {@code index} cleanly (SIGTERM; SIGKILL if it does not exit in time). */
  void stop(int index) throws IOException;

  /** Kills node {@code index} with SIGKILL: no shutdown hook runs, nothing is flushed. */
  void kill(int index) throws IOException;

  /** Pauses node {@code index} with SIGSTOP. */
  void pause(int index) throws IOException;

  /** Resumes node {@code index} with SIGCONT. */
  void resume(int index) throws IOException;

  /** Stops and starts node {@code index} on the same data directory. */
  default void restart(int index) throws IOException {
    stop(index);
    start(index);
  }

  /** Whether node {@code index} has a live process (paused counts as running). */
  boolean isRunning(int index);

  /** Whether node {@code index} is paused. */
  boolean isPaused(int index);

  /** Whether {@link #cut}, {@link #partition} and {@link #slow} are available (netns only). */
  boolean supportsNetworkFaults();

  /**
   * Drops exactly these directions of node-to-node traffic from now on, replacing any earlier cut;
   * the harness still reaches every node.
   *
   * @throws UnsupportedOperationException without network control (loopback)
   */
  void cut(Set<Link> links) throws IOException;

  /** Cuts every link between different sides (both directions). */
  default void partition(List<? extends Set<Integer>> sides) throws IOException {
    cut(Link.acrossSides(sides));
  }

  /**
   * Slows node-to-node traffic; returns what was actually applied (the kernel may lack netem, in
   * which case only the loss is applied, with packet filtering).
   *
   * @throws UnsupportedOperationException without network control (loopback)
   */
  String slow(NetworkShaping shaping) throws IOException;

  /** Removes every cut and every slow-down. */
  void healNetwork() throws IOException;

  /** Approximations and limits of this launcher that a reader of the results should know. */
  List<String> notes();

  /** Stops every node and removes everything the launcher created. Never throws. */
  @Override
  void close();
}
