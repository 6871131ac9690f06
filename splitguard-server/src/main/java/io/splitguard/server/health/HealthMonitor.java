package io.splitguard.server.health;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.health.HealthLevel;
import io.splitguard.core.health.HealthPolicy;
import io.splitguard.core.health.HealthReport;
import io.splitguard.core.health.HealthSample;
import io.splitguard.server.audit.AuditLog;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures this node's own health every second (disk space and a small fsync probe in the data
 * directory, heap after collection, recent process pauses), reports it ({@link #report()}, sent
 * in heartbeats and shown in {@code /v1/status}), and, while this node leads and its disk, fsync
 * or heap has been {@link HealthLevel#UNHEALTHY} for {@link #SUSTAINED_TICKS} checks in a row,
 * hands leadership to a peer that reports itself healthy (at most once per handover interval, so
 * a sick cluster does not ping-pong). A recent pause alone makes the node report UNHEALTHY but
 * does not trigger a handover: self-fencing already dealt with the pause, and the pause is over.
 */
public final class HealthMonitor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HealthMonitor.class);
  private static final Duration HANDOVER_INTERVAL = Duration.ofSeconds(30);
  /** Consecutive unhealthy checks (one per second) before a handover. */
  static final int SUSTAINED_TICKS = 3;

  /** What the monitor needs from the rest of the node to hand over leadership. */
  public interface Leadership {
    /** Whether this node leads now. */
    boolean isLeader();

    /** A reachable peer that reports itself healthy, if any. */
    Optional<NodeId> healthyPeer();

    /** Asks Raft to transfer leadership to {@code peer}. */
    void transferTo(NodeId peer);
  }

  private final NodeId self;
  private final Path dataDir;
  private final BooleanSupplier pausedRecently;
  private final Leadership leadership;
  private final AuditLog audit;
  private final ScheduledExecutorService executor;
  private volatile HealthReport report = HealthReport.HEALTHY;
  private volatile long lastFsyncNanos;
  private long lastHandoverNanos = Long.MIN_VALUE / 2;
  private int ticks;
  private int unhealthyTicks;

  private HealthMonitor(NodeId self, Path dataDir, BooleanSupplier pausedRecently, Leadership leadership,
      AuditLog audit) {
    this.self = self;
    this.dataDir = dataDir;
    this.pausedRecently = pausedRecently;
    this.leadership = leadership;
    this.audit = audit;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "health-" + self);
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts measuring every second. */
  public static HealthMonitor start(NodeId self, Path dataDir, BooleanSupplier pausedRecently,
      Leadership leadership, AuditLog audit, MeterRegistry metrics) {
    HealthMonitor m = new HealthMonitor(self, dataDir, pausedRecently, leadership, audit);
    for (HealthLevel level : HealthLevel.values()) {
      Gauge.builder("node_health", m, h -> h.report.level() == level ? 1 : 0).tag("level", level.name())
          .description("1 for this node's current health level").register(metrics);
    }
    Gauge.builder("fsync_probe_seconds", m, h -> h.lastFsyncNanos / 1e9)
        .description("Duration of the last health-probe write and fsync in the data directory")
        .register(metrics);
    m.executor.scheduleWithFixedDelay(m::tickSafely, 0, 1, TimeUnit.SECONDS);
    return m;
  }

  /** This node's latest health. */
  public HealthReport report() {
    return report;
  }

  private void tickSafely() {
    try {
      tick();
    } catch (RuntimeException e) {
      LOG.warn("event=health_check_failed node={} error={}", self, e.toString());
    }
  }

  private void tick() {
    if (ticks++ % 5 == 0) {
      lastFsyncNanos = probeFsync();
    }
    long free = -1;
    long total = -1;
    try {
      FileStore store = Files.getFileStore(dataDir);
      free = store.getUsableSpace();
      total = store.getTotalSpace();
    } catch (IOException e) {
      LOG.warn("event=disk_check_failed node={} error={}", self, e.toString());
    }
    long heapUsed = 0;
    long heapMax = Runtime.getRuntime().maxMemory();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      // After-collection usage: what is left when the collector has done its best. Instantaneous
      // usage would call every healthy sawtooth "full".
      if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
        heapUsed += pool.getCollectionUsage().getUsed();
      }
    }
    HealthReport next = HealthPolicy.assess(new HealthSample(free, total, lastFsyncNanos, heapUsed,
        heapMax, pausedRecently.getAsBoolean()));
    HealthReport resources = HealthPolicy.assess(new HealthSample(free, total, lastFsyncNanos, heapUsed,
        heapMax, false));
    unhealthyTicks = resources.level() == HealthLevel.UNHEALTHY ? unhealthyTicks + 1 : 0;
    HealthReport previous = report;
    report = next;
    if (next.level() != previous.level()) {
      audit.record("health_changed", Map.of("from", previous.level().name(), "to", next.level().name(),
          "reasons", next.reasons()));
    }
    long now = System.nanoTime();
    if (unhealthyTicks >= SUSTAINED_TICKS && leadership.isLeader()
        && now - lastHandoverNanos > HANDOVER_INTERVAL.toNanos()) {
      Optional<NodeId> target = leadership.healthyPeer();
      if (target.isPresent()) {
        lastHandoverNanos = now;
        audit.record("leadership_handover", Map.of("to", target.get().value(), "reasons", next.reasons()));
        leadership.transferTo(target.get());
      }
    }
  }

  private long probeFsync() {
    Path probe = dataDir.resolve("health-probe");
    long start = System.nanoTime();
    try (FileChannel ch = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(ByteBuffer.allocate(4096));
      ch.force(true);
    } catch (IOException e) {
      LOG.warn("event=fsync_probe_failed node={} error={}", self, e.toString());
      return Long.MAX_VALUE / 2; // a disk we cannot write to is as bad as it gets
    }
    return System.nanoTime() - start;
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
