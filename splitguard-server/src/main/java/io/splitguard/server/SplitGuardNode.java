package io.splitguard.server;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.splitguard.core.cluster.ClusterMember;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.election.LeaderContact;
import io.splitguard.core.election.PromptElection;
import io.splitguard.core.registry.ConsensusStatus;
import io.splitguard.raft.RatisRegistry;
import io.splitguard.raft.RegistryOptions;
import io.splitguard.server.detector.HeartbeatChannel;
import io.splitguard.server.detector.PartitionMonitor;
import io.splitguard.server.election.HttpLeaderContacts;
import io.splitguard.server.election.PromptElectionTrigger;
import io.splitguard.core.fencing.FencingSettings;
import io.splitguard.core.registry.LeadershipView;
import io.splitguard.server.ap.ApReplicator;
import io.splitguard.server.ap.ApStore;
import io.splitguard.server.audit.AuditLog;
import io.splitguard.server.fencing.FenceStatus;
import io.splitguard.server.fencing.FencingListener;
import io.splitguard.server.fencing.LeadershipSource;
import io.splitguard.server.fencing.SelfFencing;
import io.splitguard.server.http.HttpApi;
import io.splitguard.server.membership.MembershipMonitor;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import io.splitguard.core.health.HealthLevel;
import io.splitguard.server.health.HealthMonitor;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running SplitGuard node: the Raft registry, failure-detector heartbeats, partition monitor and
 * HTTP API, wired together. Start with {@link #start(NodeOptions)}, stop with {@link #close()}.
 *
 * <p>Start order is chosen so that a mistake fails fast and leaves nothing behind: lock the data
 * directory, bind the heartbeat port, start Raft, then serve HTTP. Anything started before a
 * failure is closed again, in reverse order.
 */
public final class SplitGuardNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SplitGuardNode.class);

  private final NodeOptions options;
  private final Deque<AutoCloseable> resources;
  private final HttpApi api;
  private final RatisRegistry registry;
  private final SelfFencing fencing;

  private SplitGuardNode(
      NodeOptions options, Deque<AutoCloseable> resources, HttpApi api, RatisRegistry registry,
      SelfFencing fencing) {
    this.fencing = fencing;
    this.options = options;
    this.resources = resources;
    this.api = api;
    this.registry = registry;
  }

  /**
   * Starts a node.
   *
   * @throws IOException if the data directory is in use or unusable, or a port cannot be bound
   */
  public static SplitGuardNode start(NodeOptions options) throws IOException {
    Deque<AutoCloseable> started = new ArrayDeque<>();
    try {
      return startInto(options, started);
    } catch (IOException | RuntimeException e) {
      closeAll(started, options.self());
      throw e;
    }
  }

  private static SplitGuardNode startInto(NodeOptions options, Deque<AutoCloseable> started)
      throws IOException {
    NodeId self = options.self();
    ClusterMember member = options.cluster().spec().require(self);
    Files.createDirectories(options.dataDir());
    started.push(lockDataDir(options.dataDir()));

    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    metrics.config().commonTags("node", self.value());
    new JvmMemoryMetrics().bindTo(metrics);
    new JvmThreadMetrics().bindTo(metrics);
    started.push(metrics::close);

    PartitionMonitor monitor = new PartitionMonitor(
        self, options.cluster().spec().peersOf(self).stream().map(ClusterMember::id).toList(),
        options.settings().detector(), System::nanoTime, metrics);
    if (options.join()) {
      // Not a voter until added and promoted; the running members are the voters meanwhile.
      List<NodeId> others = options.cluster().spec().peersOf(self).stream().map(ClusterMember::id).toList();
      monitor.reconfigure(others, Set.copyOf(others), false);
    }
    AtomicReference<HealthMonitor> health = new AtomicReference<>();
    HeartbeatChannel heartbeats;
    started.push(heartbeats = HeartbeatChannel.start(
        self, options.cluster().name(), member.api(), options.cluster().spec().peersOf(self),
        options.settings().heartbeatInterval(), new HeartbeatChannel.LocalView() {
          @Override
          public HealthLevel health() {
            HealthMonitor h = health.get();
            return h == null ? HealthLevel.HEALTHY : h.report().level();
          }

          @Override
          public Set<NodeId> reachable() {
            return monitor.reachablePeers();
          }
        }, monitor::onHeartbeat));

    RegistryOptions registryOptions = new RegistryOptions(
        self, options.cluster().spec(), options.cluster().name(), options.dataDir(), options.settings());
    RatisRegistry registry = options.join()
        ? RatisRegistry.startJoining(registryOptions) : RatisRegistry.start(registryOptions);
    started.push(registry);
    Gauge.builder("raft_term", registry, r -> r.status().term()).register(metrics);
    Gauge.builder("raft_applied_index", registry, r -> r.status().appliedIndex()).register(metrics);
    Gauge.builder("raft_commit_index", registry, r -> r.status().commitIndex()).register(metrics);
    Gauge.builder("raft_is_leader", registry,
        r -> r.status().role() == ConsensusStatus.Role.LEADER ? 1 : 0).register(metrics);

    AuditLog audit = AuditLog.open(self, options.dataDir().resolve("audit.log"), System::currentTimeMillis);
    started.push(audit);
    monitor.auditTo(audit);
    // A relative fence file lives in the data directory, so one config file serves every node.
    FencingSettings fencingSettings = options.settings().fencing();
    if (fencingSettings.file().isPresent() && !fencingSettings.file().get().isAbsolute()) {
      fencingSettings = fencingSettings.withFile(options.dataDir().resolve(fencingSettings.file().get()));
    }
    SelfFencing fencing = SelfFencing.start(self, fencingSettings,
        options.settings().electionTimeoutMin(), new LeadershipSource() {
          @Override
          public LeadershipView leadership() {
            return registry.leadership();
          }

          @Override
          public CompletableFuture<Void> stepDown(long term) {
            return registry.stepDown(term);
          }
        }, monitor::hasQuorum, audit, metrics);
    started.push(fencing);
    HealthMonitor healthMonitor = HealthMonitor.start(self, options.dataDir(),
        () -> fencing.pausedWithin(Duration.ofSeconds(10)), new HealthMonitor.Leadership() {
          @Override
          public boolean isLeader() {
            return registry.status().role() == ConsensusStatus.Role.LEADER;
          }

          @Override
          public Optional<NodeId> healthyPeer() {
            // Only a peer heard from within a few heartbeats: a paused peer's last report still
            // says HEALTHY, and handing leadership to it would stall the cluster.
            long freshMs = options.settings().heartbeatInterval().toMillis() * 3;
            return monitor.view().peers().stream()
                .filter(p -> p.reachable() && p.lastHeartbeatAgeMillis() >= 0 && p.lastHeartbeatAgeMillis() <= freshMs)
                .filter(p -> monitor.isVoter(p.id())) // a listener cannot take leadership
                .map(p -> p.id())
                .filter(p -> monitor.report(p).map(r -> r.health() == HealthLevel.HEALTHY).orElse(false))
                .findFirst();
          }

          @Override
          public void transferTo(NodeId peer) {
            fencing.relinquish();
            registry.transferLeadership(peer);
          }
        }, audit, metrics);
    health.set(healthMonitor);
    started.push(healthMonitor);

    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "partition-monitor-" + self);
      t.setDaemon(true);
      return t;
    });
    long period = options.settings().heartbeatInterval().toNanos();
    ticker.scheduleAtFixedRate(() -> {
      try {
        monitor.check();
      } catch (RuntimeException e) {
        LOG.warn("event=monitor_check_failed node={} error={}", self, e.toString());
      }
    }, period, period, TimeUnit.NANOSECONDS);
    started.push(ticker::shutdownNow);

    // AP values: node-local, durable in <dataDir>/ap-wal, writable without quorum.
    ApStore apStore = ApStore.open(self, options.dataDir().resolve("ap-wal"), options.ap().hlc(self),
        System::currentTimeMillis, (keyspace, s) -> audit.record("value_superseded", Map.of(
            "keyspace", keyspace,
            "key", s.key(),
            "value", s.value(),
            "clock", s.clock().toString(),
            "writer", s.node().value(),
            "reason", s.reason().name())), options.ap().store());
    started.push(apStore);
    ApReplicator replicator = new ApReplicator(self, options.cluster().spec().peersOf(self), apStore,
        peer -> monitor.view().peers().stream().anyMatch(p -> p.id().equals(peer) && p.reachable()),
        options.ap().replication(), System::currentTimeMillis, metrics);

    if (options.faults().any()) {
      LOG.warn("event=test_faults_enabled node={} faults={} note=\"this node is deliberately broken\"",
          self, options.faults());
    }
    HttpApi api = HttpApi.start(member.api().host(), member.api().port(), self,
        options.cluster().spec(), options.settings(), registry, monitor, fencing, healthMonitor::report,
        metrics, options.faults(), apStore, replicator);
    started.push(api);
    // Replication starts once this node can answer its peers' pushes and digests.
    replicator.start();
    started.push(replicator);
    // Membership from the Raft configuration: detector quorum, heartbeat and AP peers, and
    // automatic demotion while this node leads.
    MembershipMonitor membership = new MembershipMonitor(self, options.cluster().spec().members(), registry,
        monitor, List.of(heartbeats::setPeers, replicator::addPeers), options.membership(), audit,
        System::nanoTime, metrics).start();
    started.push(membership);
    api.attachMembership(membership);
    if (options.promptElection()) {
      started.push(startPromptElections(self, options, registry, metrics));
    }
    CommonPoolParallelism.problem().ifPresent(problem ->
        LOG.warn("event=common_pool_too_small node={} problem=\"{}\"", self, problem));
    LOG.info("event=node_started node={} api=http://{} raft={} dataDir={} commonPoolParallelism={}",
        self, member.api(), member.raft(), options.dataDir(), ForkJoinPool.getCommonPoolParallelism());
    return new SplitGuardNode(options, started, api, registry, fencing);
  }

  private static AutoCloseable lockDataDir(Path dataDir) throws IOException {
    Path lockFile = dataDir.resolve("node.lock");
    FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      channel.close();
      throw new IOException("data dir " + dataDir + " is in use by another running node");
    }
    FileLock held = lock;
    return () -> {
      held.release();
      channel.close();
    };
  }

  /** The port the HTTP API listens on. */
  public int apiPort() {
    return api.port();
  }

  /** This node's consensus status. */
  public ConsensusStatus consensusStatus() {
    return registry.status();
  }

  /**
   * Registers an in-process fencing actuator: told when this node fences itself and when it is
   * unfenced.
   */
  public void addFencingListener(FencingListener listener) {
    fencing.addListener(listener);
  }

  /** This node's self-fencing status. */
  public FenceStatus fenceStatus() {
    return fencing.status();
  }


  /**
   * Followers elect promptly once a majority agrees the leader is silent (see {@link
   * PromptElection}), looking every {@code electionTimeoutMin / 40} (25 ms by default): the
   * election starts within one tick of the earliest safe moment.
   */
  private static PromptElectionTrigger startPromptElections(
      NodeId self, NodeOptions options, RatisRegistry registry, MeterRegistry metrics) {
    PromptElectionTrigger.Consensus consensus = new PromptElectionTrigger.Consensus() {
      @Override
      public Optional<LeaderContact> leaderContact() {
        return registry.leaderContact();
      }

      @Override
      public Set<NodeId> voters() {
        try {
          return registry.membership().voters();
        } catch (IOException e) {
          return Set.of();
        }
      }

      @Override
      public boolean startElectionInPlaceOf(LeaderContact contact) {
        return registry.startElectionInPlaceOf(contact);
      }
    };
    HttpLeaderContacts peers = new HttpLeaderContacts(id -> {
      try {
        return registry.configuredMembers().stream().filter(m -> m.id().equals(id)).findFirst();
      } catch (IOException e) {
        return options.cluster().spec().member(id);
      }
    });
    Duration period = Duration.ofMillis(Math.max(5, options.settings().electionTimeoutMin().toMillis() / 40));
    return new PromptElectionTrigger(self,
        new PromptElection(options.settings().electionTimeoutMin(), PromptElection.DEFAULT_STAGGER),
        consensus, peers, System::nanoTime, metrics).start(period);
  }
  /** The options this node was started with. */
  public NodeOptions options() {
    return options;
  }

  @Override
  public void close() {
    closeAll(resources, options.self());
    LOG.info("event=node_stopped node={}", options.self());
  }

  private static void closeAll(Deque<AutoCloseable> resources, NodeId self) {
    while (!resources.isEmpty()) {
      AutoCloseable r = resources.pop();
      try {
        r.close();
      } catch (Exception e) {
        LOG.warn("event=close_failed node={} resource={} error={}", self, r, e.toString());
      }
    }
  }
}
