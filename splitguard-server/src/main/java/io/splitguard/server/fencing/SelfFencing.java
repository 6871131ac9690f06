package io.splitguard.server.fencing;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.fencing.FenceReason;
import io.splitguard.core.fencing.FencingAction;
import io.splitguard.core.fencing.FencingObservation;
import io.splitguard.core.fencing.FencingPolicy;
import io.splitguard.core.fencing.FencingSettings;
import io.splitguard.core.fencing.PauseWatchdog;
import io.splitguard.core.registry.LeadershipView;
import io.splitguard.server.audit.AuditLog;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's self-fencing: runs {@link FencingPolicy} every {@link FencingSettings#CHECK_INTERVAL}
 * over Raft's leadership view, the failure detector's quorum and the pause watchdog, and carries
 * out its actions: the fence file, Raft step-down, the fence command, listeners, metrics and the
 * audit log. It is also the node's {@link WriteGate}.
 *
 * <p>The write gate does not wait for the loop: it refuses as soon as the policy is fenced, and
 * also as soon as the pause watchdog is overdue, so a request handled right after the process
 * resumes from a pause is refused even before the loop has run.
 */
public final class SelfFencing implements WriteGate, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SelfFencing.class);

  private final NodeId self;
  private final FencingSettings settings;
  private final FencingPolicy policy;
  private final PauseWatchdog watchdog;
  private final long quarantineNanos;
  private final LeadershipSource raft;
  private final BooleanSupplier detectorQuorum;
  private final AuditLog audit;
  private final LongSupplier nanoClock;
  private final Optional<FenceFile> fenceFile;
  private final Optional<FenceCommand> fenceCommand;
  private final List<FencingListener> listeners = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService loop;
  private final ExecutorService commandRunner;
  private final Thread watchdogThread;
  private final Counter fencings;
  private final Counter pauses;
  private final AtomicLong splitBrainSuspicions = new AtomicLong();
  private final MeterRegistry metrics;
  private volatile FenceStatus status = FenceStatus.NONE;
  private volatile boolean closed;
  private volatile boolean armed;
  private boolean pauseReportedEarly;

  private SelfFencing(
      NodeId self, FencingSettings settings, Duration electionTimeoutMin,
      LeadershipSource raft, BooleanSupplier detectorQuorum, AuditLog audit, MeterRegistry metrics,
      LongSupplier nanoClock) {
    this.self = self;
    this.settings = settings;
    this.policy = new FencingPolicy(settings, electionTimeoutMin);
    this.watchdog = new PauseWatchdog(FencingSettings.PAUSE_TICK.toNanos(),
        settings.pauseThreshold().toNanos(), nanoClock.getAsLong());
    this.quarantineNanos = settings.quarantine().toNanos();
    this.raft = raft;
    this.detectorQuorum = detectorQuorum;
    this.audit = audit;
    this.nanoClock = nanoClock;
    this.metrics = metrics;
    this.fenceFile = settings.file().map(FenceFile::new);
    this.fenceCommand = settings.command().isEmpty() ? Optional.empty()
        : Optional.of(new FenceCommand(settings.command(), settings.actuatorTimeout()));
    this.loop = Executors.newSingleThreadScheduledExecutor(daemon("fencing-" + self));
    this.commandRunner = Executors.newSingleThreadExecutor(daemon("fence-command-" + self));
    this.watchdogThread = daemon("pause-watchdog-" + self).newThread(this::watch);
    this.fencings = Counter.builder("fencing_total").description("Times this node fenced itself")
        .register(metrics);
    this.pauses = Counter.builder("process_pauses_total")
        .description("Scheduling gaps longer than fencing.pauseThreshold").register(metrics);
    Gauge.builder("node_fenced", this, f -> f.status.fenced() ? 1 : 0)
        .description("1 while this node is fenced (write gate closed, actuators fired)").register(metrics);
    Gauge.builder("fence_primary", this, f -> f.status.primary() ? 1 : 0)
        .description("1 while this node holds the fence file (leads with a quorum)").register(metrics);
    Gauge.builder("split_brain_detected", splitBrainSuspicions, AtomicLong::get)
        .description("Times this node learned of a newer term while it still held the fence file")
        .register(metrics);
  }

  /**
   * Starts self-fencing. A fence file left behind by an earlier run (a crash) is removed first:
   * this process has not led anything yet.
   */
  public static SelfFencing start(
      NodeId self, FencingSettings settings, Duration electionTimeoutMin,
      LeadershipSource raft, BooleanSupplier detectorQuorum, AuditLog audit, MeterRegistry metrics)
      throws IOException {
    SelfFencing f = new SelfFencing(self, settings, electionTimeoutMin, raft,
        detectorQuorum, audit, metrics, System::nanoTime);
    if (f.fenceFile.isPresent() && f.fenceFile.get().remove()) {
      f.audit.record("stale_fence_file_removed", Map.of("file", f.fenceFile.get().path().toString()));
    }
    f.watchdogThread.start();
    long period = FencingSettings.CHECK_INTERVAL.toNanos();
    f.loop.scheduleAtFixedRate(f::lookSafely, period, period, TimeUnit.NANOSECONDS);
    LOG.info("event=self_fencing_started node={} lease_ms={} bound_ms={} file={} command={}", self,
        settings.lease().toMillis(), settings.fencingBound().toMillis(),
        f.fenceFile.map(FenceFile::path).orElse(null), settings.command());
    return f;
  }

  /** Adds an in-process fencing listener. */
  public void addListener(FencingListener listener) {
    listeners.add(listener);
  }

  /**
   * Prepares a planned leadership transfer: removes the fence file before anything else happens,
   * so that the successor's new term is not taken for a split brain.
   */
  public synchronized void relinquish() {
    for (FencingAction action : policy.relinquish()) {
      carryOut(action);
    }
    status = new FenceStatus(policy.fenced(), 0, policy.primaryTerm() >= 0);
  }

  /** Whether this process was paused (longer than the threshold) within {@code window}. */
  public boolean pausedWithin(Duration window) {
    return watchdog.pausedWithin(nanoClock.getAsLong(), window.toNanos());
  }

  @Override
  public Optional<FenceReason> refusal() {
    if (armed && watchdog.pausedOrQuarantined(nanoClock.getAsLong(), quarantineNanos)) {
      return Optional.of(FenceReason.PROCESS_PAUSE);
    }
    return status.reason();
  }

  @Override
  public FenceStatus status() {
    FenceStatus s = status;
    if (s.reason().isEmpty() && refusal().isPresent()) {
      return new FenceStatus(refusal(), 0, false, (long) fencings.count(), splitBrainSuspicions.get());
    }
    if (s.fenced()) {
      long forMs = (nanoClock.getAsLong() - policy.fencedSinceNanos()) / 1_000_000;
      return new FenceStatus(s.reason(), forMs, s.primary(), (long) fencings.count(), splitBrainSuspicions.get());
    }
    return new FenceStatus(s.reason(), 0, s.primary(), (long) fencings.count(), splitBrainSuspicions.get());
  }

  private void watch() {
    long tick = FencingSettings.PAUSE_TICK.toNanos();
    while (!closed) {
      LockSupport.parkNanos(tick);
      watchdog.onTick(nanoClock.getAsLong());
    }
  }

  private void lookSafely() {
    try {
      look();
    } catch (RuntimeException e) {
      LOG.warn("event=fencing_look_failed node={} error={}", self, e.toString());
    }
  }

  private synchronized void look() {
    if (closed) {
      return;
    }
    LeadershipView leadership = raft.leadership();
    long now = nanoClock.getAsLong();
    FencingObservation observation = new FencingObservation(
        now, leadership.leader(), leadership.term(), leadership.leaderReady(),
        leadership.majorityContactAgeMillis() == Long.MAX_VALUE ? Long.MAX_VALUE
            : leadership.majorityContactAgeMillis() * 1_000_000,
        leadership.leaderContactAgeMillis() == Long.MAX_VALUE ? Long.MAX_VALUE
            : leadership.leaderContactAgeMillis() * 1_000_000,
        detectorQuorum.getAsBoolean(), pauseSinceLastLook(now));
    List<FencingAction> actions = policy.observe(observation);
    // The gate closes before any actuator runs.
    status = new FenceStatus(policy.fenced(), 0, policy.primaryTerm() >= 0);
    armed = policy.armed();
    for (FencingAction action : actions) {
      carryOut(action);
    }
  }

  /**
   * The pause to report at this look. After a resume this loop may run before the watchdog
   * thread: then the watchdog is still overdue, and that already is the pause. When the watchdog
   * catches up it reports the same gap again, which must not count twice.
   */
  private long pauseSinceLastLook(long now) {
    long threshold = settings.pauseThreshold().toNanos();
    long overdue = watchdog.overdueNanos(now);
    long gap = watchdog.drainLargestGap();
    if (overdue > threshold) {
      boolean first = !pauseReportedEarly;
      pauseReportedEarly = true;
      return first ? overdue : 0;
    }
    if (pauseReportedEarly) {
      pauseReportedEarly = false;
      return gap > threshold ? 0 : gap;
    }
    return gap;
  }

  private void carryOut(FencingAction action) {
    // Java 17: no pattern matching in switch yet; the sealed interface keeps this list complete.
    if (action instanceof FencingAction.CreateFenceFile c) {
      fenceFile.ifPresent(file -> timed("file", () -> {
        file.create(self, c.term());
        audit.record("fence_file_created", Map.of("file", file.path().toString(), "term", c.term()));
      }));
    } else if (action instanceof FencingAction.RemoveFenceFile r) {
      fenceFile.ifPresent(file -> timed("file", () -> {
        file.remove();
        audit.record("fence_file_removed", Map.of("file", file.path().toString(), "why", r.why()));
      }));
    } else if (action instanceof FencingAction.StepDown s) {
      timed("step_down", () -> raft.stepDown(s.term()));
    } else if (action instanceof FencingAction.Fence f) {
      fence(f);
    } else if (action instanceof FencingAction.ReasonChanged r) {
      LOG.info("event=fence_reason_changed node={} from={} to={}", self, r.from(), r.to());
    } else if (action instanceof FencingAction.Unfence u) {
      audit.record("node_unfenced", Map.of("previousReason", u.previous().name(),
          "fencedForMs", u.fencedForNanos() / 1_000_000));
      timed("listeners", () -> listeners.forEach(FencingListener::onUnfenced));
    } else if (action instanceof FencingAction.PauseDetected p) {
      pauses.increment();
      audit.record("process_pause", Map.of("pauseMs", p.pauseNanos() / 1_000_000,
          "thresholdMs", settings.pauseThreshold().toMillis()));
    } else if (action instanceof FencingAction.SplitBrainSuspected s) {
      splitBrainSuspicions.incrementAndGet();
      LOG.error("event=split_brain_suspected node={} primary_term={} seen_term={}", self,
          s.primaryTerm(), s.term());
      audit.record("split_brain_suspected", Map.of("primaryTerm", s.primaryTerm(), "term", s.term()));
    }
  }

  private void fence(FencingAction.Fence f) {
    fencings.increment();
    Counter.builder("fencing_reasons_total").tag("reason", f.reason().name())
        .description("Times this node fenced itself, by reason").register(metrics).increment();
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("reason", f.reason().name());
    fields.put("term", f.term());
    fields.put("wasLeader", f.wasLeader());
    fields.put("detail", f.detail());
    audit.record("node_fenced", fields);
    timed("listeners", () -> {
      for (FencingListener l : listeners) {
        try {
          l.onFenced(f.reason(), f.term(), f.wasLeader());
        } catch (RuntimeException e) {
          LOG.warn("event=fencing_listener_failed node={} error={}", self, e.toString());
        }
      }
    });
    fenceCommand.ifPresent(command -> commandRunner.execute(() -> {
      FenceCommand.Result r = command.run(self, f.reason(), f.term(), f.wasLeader());
      Timer.builder("fencing_actuator_seconds").tag("actuator", "command")
          .description("How long each fencing actuator took").register(metrics)
          .record(r.durationNanos(), TimeUnit.NANOSECONDS);
      Map<String, Object> outcome = new LinkedHashMap<>();
      outcome.put("outcome", r.outcome().name());
      outcome.put("exitCode", r.exitCode());
      outcome.put("durationMs", r.durationNanos() / 1_000_000);
      outcome.put("reason", f.reason().name());
      outcome.put("term", f.term());
      outcome.put("output", r.output());
      audit.record("fence_command", outcome);
    }));
  }

  private interface Step {
    void run() throws IOException;
  }

  private void timed(String actuator, Step step) {
    long start = nanoClock.getAsLong();
    try {
      step.run();
    } catch (IOException | RuntimeException e) {
      LOG.error("event=fencing_actuator_failed node={} actuator={} error={}", self, actuator, e.toString());
      audit.record("fencing_actuator_failed", Map.of("actuator", actuator, "error", e.toString()));
    } finally {
      Timer.builder("fencing_actuator_seconds").tag("actuator", actuator)
          .description("How long each fencing actuator took").register(metrics)
          .record(nanoClock.getAsLong() - start, TimeUnit.NANOSECONDS);
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** Stops the loop and the watchdog; removes the fence file (a stopped node leads nothing). */
  @Override
  public void close() {
    closed = true;
    loop.shutdownNow();
    commandRunner.shutdown();
    watchdogThread.interrupt();
    fenceFile.ifPresent(file -> {
      try {
        if (file.remove()) {
          audit.record("fence_file_removed", Map.of("file", file.path().toString(), "why", "node stopping"));
        }
      } catch (IOException e) {
        LOG.warn("event=fence_file_remove_failed node={} error={}", self, e.toString());
      }
    });
  }
}
