package io.splitguard.client.gate;

import io.splitguard.client.Status;
import io.splitguard.client.Ticker;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A write gate for a service that runs next to a SplitGuard node: the service asks {@link
 * #decision()} (or calls {@link #check()}) before each write it performs on its own resources, and
 * stops writing as soon as its node is fenced, has lost its quorum, or cannot be asked.
 *
 * <p>The gate polls the node's {@code /v1/status} every {@code pollInterval} and fails closed: it
 * is open only while the last successful answer is younger than {@code maxStaleness} (measured on
 * the local monotonic clock) and says {@code quorum: true} and {@code fenced: false}. A service
 * that cannot hear from its node therefore stops writing within {@code maxStaleness} plus one poll.
 * Pair it with fencing tokens at the resource; the gate shortens the window in which a cut-off
 * service acts, the token makes what it does in that window harmless.
 *
 * <p>Typical use: {@code WriteGate.start(() -> client.status(localNode))}; for the JDK's HTTP
 * server, {@link WriteGateFilter} refuses non-read requests while the gate is closed.
 * Thread-safe.
 */
public final class WriteGate implements AutoCloseable {
  /** Default time between status polls. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(100);
  /** Default age after which the last status no longer counts. */
  public static final Duration DEFAULT_MAX_STALENESS = Duration.ofMillis(500);

  private final Supplier<Status> statusSource;
  private final Ticker ticker;
  private final long maxStalenessNanos;
  private final ScheduledExecutorService poller;
  private volatile Observation last;
  private volatile String lastError = "no status received yet";

  /** A status and the local monotonic time it was received. */
  private record Observation(Status status, long atNanos) {}

  private WriteGate(Supplier<Status> statusSource, Ticker ticker, Duration maxStaleness, boolean poll) {
    this.statusSource = Objects.requireNonNull(statusSource, "statusSource");
    this.ticker = ticker;
    this.maxStalenessNanos = maxStaleness.toNanos();
    this.poller = poll ? Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "splitguard-write-gate");
      t.setDaemon(true);
      return t;
    }) : null;
  }

  /** Starts a gate with the default poll interval and staleness. */
  public static WriteGate start(Supplier<Status> statusSource) {
    return start(statusSource, DEFAULT_POLL_INTERVAL, DEFAULT_MAX_STALENESS);
  }

  /**
   * Starts a gate that polls {@code statusSource} (typically {@code () -> client.status(node)})
   * every {@code pollInterval}.
   *
   * @throws IllegalArgumentException if {@code maxStaleness} is not longer than {@code
   *     pollInterval}: the gate would close between two polls
   */
  public static WriteGate start(Supplier<Status> statusSource, Duration pollInterval, Duration maxStaleness) {
    if (maxStaleness.compareTo(pollInterval) <= 0) {
      throw new IllegalArgumentException("maxStaleness (" + maxStaleness.toMillis() + " ms) must be longer "
          + "than pollInterval (" + pollInterval.toMillis() + " ms)");
    }
    WriteGate gate = new WriteGate(statusSource, Ticker.system(), maxStaleness, true);
    gate.poll();
    gate.poller.scheduleWithFixedDelay(gate::poll, pollInterval.toNanos(), pollInterval.toNanos(),
        TimeUnit.NANOSECONDS);
    return gate;
  }

  /** A gate that polls only when {@link #poll()} is called, on the given clock: for tests. */
  static WriteGate manual(Supplier<Status> statusSource, Ticker ticker, Duration maxStaleness) {
    return new WriteGate(statusSource, ticker, maxStaleness, false);
  }

  /** Asks the node once and remembers the answer (or the failure). */
  void poll() {
    try {
      Status s = statusSource.get();
      last = new Observation(s, ticker.nanoTime());
    } catch (RuntimeException e) { // SplitGuardException included: any failure keeps the last answer
      lastError = e.getMessage() == null ? e.toString() : e.getMessage();
    }
  }

  /** Whether writes may go ahead right now, and if not, why. */
  public GateDecision decision() {
    Observation o = last;
    if (o == null) {
      return GateDecision.closed("no status from the node yet: " + lastError);
    }
    long age = ticker.nanoTime() - o.atNanos();
    if (age > maxStalenessNanos) {
      return GateDecision.closed("no fresh status from node " + o.status().nodeId() + " for "
          + age / 1_000_000 + " ms (limit " + maxStalenessNanos / 1_000_000 + " ms): " + lastError);
    }
    if (o.status().fenced()) {
      return GateDecision.closed("node " + o.status().nodeId() + " is fenced");
    }
    if (!o.status().quorum()) {
      return GateDecision.closed("node " + o.status().nodeId() + " reaches no majority ("
          + o.status().partitionStatus() + ")");
    }
    return GateDecision.OPEN;
  }

  /** Whether writes may go ahead right now. */
  public boolean isOpen() {
    return decision().open();
  }

  /**
   * Throws if writes must not go ahead.
   *
   * @throws WriteGateClosedException naming the reason
   */
  public void check() {
    GateDecision d = decision();
    if (!d.open()) {
      throw new WriteGateClosedException(d.reason());
    }
  }

  /** Stops polling; the gate then closes once the last answer is stale. */
  @Override
  public void close() {
    if (poller != null) {
      poller.shutdownNow();
    }
  }
}
