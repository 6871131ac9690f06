package io.splitguard.chaos.run;

import java.net.URI;
import io.splitguard.chaos.history.GuardedWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * What a workload gets from the run: the nodes' API addresses, the request helper, the history,
 * the deadline and fresh process ids. Thread-safe; shared by all client threads.
 */
public final class WorkloadContext {
  private final ClusterLauncher cluster;
  private final NodeApi api;
  private final RunHistoryWriter history;
  private final long deadlineNanos;
  private final LongSupplier nanoClock;
  private final Path runDir;
  private final long seed;
  private final AtomicInteger nextProcess;
  private final GuardedWriter guarded;

  /**
   * Creates the context of one run.
   *
   * @param cluster the nodes
   * @param api single, unretried requests
   * @param history where operations are recorded
   * @param deadlineNanos when the clients stop, on {@code nanoClock}
   * @param nanoClock the monotonic clock
   * @param runDir the run directory (for extra files, e.g. accepted fencing tokens)
   * @param seed the run seed
   * @param clients the number of client threads; fresh process ids start after them
   */
  public WorkloadContext(ClusterLauncher cluster, NodeApi api, RunHistoryWriter history, long deadlineNanos,
      LongSupplier nanoClock, Path runDir, long seed, int clients) {
    this(cluster, api, history, deadlineNanos, nanoClock, runDir, seed, clients, null);
  }

  /**
   * Creates the context of a run whose workload records accepted guarded writes.
   *
   * @param guardedOrNull where accepted guarded writes go ({@link Workload#recordsGuardedWrites()}),
   *     or {@code null} when the workload records none
   * @see #WorkloadContext(ClusterLauncher, NodeApi, RunHistoryWriter, long, LongSupplier, Path, long, int)
   */
  public WorkloadContext(ClusterLauncher cluster, NodeApi api, RunHistoryWriter history, long deadlineNanos,
      LongSupplier nanoClock, Path runDir, long seed, int clients, GuardedWriter guardedOrNull) {
    this.guarded = guardedOrNull;
    this.cluster = cluster;
    this.api = api;
    this.history = history;
    this.deadlineNanos = deadlineNanos;
    this.nanoClock = nanoClock;
    this.runDir = runDir;
    this.seed = seed;
    this.nextProcess = new AtomicInteger(clients);
  }

  /** The number of nodes. */
  public int nodes() {
    return cluster.size();
  }

  /** The id of node {@code index} ({@code n1..nN}). */
  public String nodeId(int index) {
    return cluster.nodeId(index);
  }

  /** Where node {@code index}'s API is reached. */
  public URI nodeUrl(int index) {
    return cluster.apiUrl(index);
  }

  /** Single, unretried requests with the run's timeout. */
  public NodeApi api() {
    return api;
  }

  /** The run's history. */
  public RunHistoryWriter history() {
    return history;
  }

  /** Whether the clients' time is up. */
  public boolean pastDeadline() {
    return nanoClock.getAsLong() - deadlineNanos >= 0;
  }

  /** Nanoseconds until the clients' time is up (negative once past it). */
  public long nanosUntilDeadline() {
    return deadlineNanos - nanoClock.getAsLong();
  }

  /** The run directory. */
  public Path runDir() {
    return runDir;
  }

  /** The run seed (client threads derive their streams from it). */
  public long seed() {
    return seed;
  }

  /**
   * Where accepted guarded writes are recorded (times on the history's clock), if this run records
   * them.
   */
  public Optional<GuardedWriter> guarded() {
    return Optional.ofNullable(guarded);
  }

  /** A process id never used before in this run. */
  public int newProcess() {
    return nextProcess.getAndIncrement();
  }
}
