package io.splitguard.server.membership;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.splitguard.core.cluster.ClusterMember;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.membership.AutoDemotion;
import io.splitguard.core.membership.AutoDemotion.Action;
import io.splitguard.core.membership.MemberRole;
import io.splitguard.core.membership.Membership;
import io.splitguard.core.membership.MembershipSettings;
import io.splitguard.core.registry.ConsensusStatus;
import io.splitguard.core.registry.Registry;
import io.splitguard.server.audit.AuditLog;
import io.splitguard.server.detector.PartitionMonitor;
import io.splitguard.core.detector.PartitionView;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the rest of the node in step with the consensus configuration, and, on the leader, runs
 * automatic demotion ({@link AutoDemotion}).
 *
 * <p>Every {@link #PERIOD_MS} ms it reads the configuration and the members' addresses from the
 * registry. When they change it reconfigures the failure detector (quorum counts voters only),
 * tells the heartbeat channel and the AP replicator whom to talk to, and records the change. A
 * joining node that has not been added yet (empty configuration) keeps its cluster-file view.
 *
 * <p>While this node leads it feeds {@link AutoDemotion} what it sees of each member (reachable,
 * reported health, replication lag) and carries out its actions: audit lines and metrics for
 * alerts, cancellations and refusals, and compare-and-set configuration changes through Raft. A
 * node that stops leading drops the machine; the next leader starts afresh (and waits a full
 * stability window before changing anything).
 */
public final class MembershipMonitor implements AutoCloseable {
  /** How often the configuration is read and the machine stepped. */
  public static final long PERIOD_MS = 250;

  private static final Logger LOG = LoggerFactory.getLogger(MembershipMonitor.class);

  private final NodeId self;
  private final Registry registry;
  private final PartitionMonitor detector;
  private final List<Consumer<List<ClusterMember>>> sinks;
  private final MembershipSettings settings;
  private final AuditLog audit;
  private final LongSupplier nanoClock;
  private final ScheduledExecutorService executor;
  private final Counter alertsRaised;
  private final Counter demotions;
  private final Counter promotions;
  private final Counter refusals;
  private volatile List<ClusterMember> members;
  private volatile Membership membership;
  private volatile Map<NodeId, AutoDemotion.PendingEviction> pending = Map.of();
  private volatile Map<NodeId, String> refused = Map.of();
  private AutoDemotion machine; // guarded by this; present only while leading

  /**
   * @param initial the cluster-file members, used until the configuration is known
   * @param sinks told the full member list (this node included) whenever it changes
   */
  public MembershipMonitor(
      NodeId self, List<ClusterMember> initial, Registry registry, PartitionMonitor detector,
      List<Consumer<List<ClusterMember>>> sinks, MembershipSettings settings, AuditLog audit, LongSupplier nanoClock,
      MeterRegistry metrics) {
    this.self = self;
    this.members = List.copyOf(initial);
    this.registry = registry;
    this.detector = detector;
    this.sinks = List.copyOf(sinks);
    this.settings = Objects.requireNonNull(settings, "settings");
    this.audit = audit;
    this.nanoClock = nanoClock;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "membership-monitor-" + self);
      t.setDaemon(true);
      return t;
    });
    this.alertsRaised = Counter.builder("membership_eviction_alerts_total")
        .description("Pending-eviction alerts raised by this node as leader").register(metrics);
    this.demotions = Counter.builder("membership_auto_changes_total").tag("action", "demote")
        .description("Automatic membership changes proposed by this node as leader").register(metrics);
    this.promotions = Counter.builder("membership_auto_changes_total").tag("action", "promote")
        .description("Automatic membership changes proposed by this node as leader").register(metrics);
    this.refusals = Counter.builder("membership_auto_demotions_refused_total")
        .description("Automatic demotions due but refused (policy, stability window, or switched off)")
        .register(metrics);
    Gauge.builder("membership_pending_evictions", this, m -> m.pending.size())
        .description("Voters with a pending-eviction alert (leader only)").register(metrics);
    Gauge.builder("membership_voters", this, m -> m.membership == null ? 0 : m.membership.voters().size())
        .description("Voters in the consensus configuration").register(metrics);
    Gauge.builder("membership_listeners", this, m -> m.membership == null ? 0 : m.membership.listeners().size())
        .description("Non-voting listeners in the consensus configuration").register(metrics);
  }

  /** Starts the periodic look. */
  public MembershipMonitor start() {
    executor.scheduleWithFixedDelay(() -> {
      try {
        tick();
      } catch (RuntimeException e) {
        LOG.warn("event=membership_check_failed node={} error={}", self, e.toString());
      }
    }, 0, PERIOD_MS, TimeUnit.MILLISECONDS);
    return this;
  }

  /** The members with their addresses as last seen (this node included). */
  public List<ClusterMember> members() {
    return members;
  }

  /** The member with {@code id}, if known. */
  public Optional<ClusterMember> member(NodeId id) {
    return members.stream().filter(m -> m.id().equals(id)).findFirst();
  }

  /** The pending-eviction alerts, while this node leads. */
  public Map<NodeId, AutoDemotion.PendingEviction> pending() {
    return pending;
  }

  /** The latest refusal to demote each voter with a pending alert. */
  public Map<NodeId, String> refusals() {
    return refused;
  }

  /** The settings in force. */
  public MembershipSettings settings() {
    return settings;
  }

  /** Monotonic now, on the clock alert times are measured with. */
  public long nowNanos() {
    return nanoClock.getAsLong();
  }

  /** One look: follow the configuration, and step the machine while leading. */
  synchronized void tick() {
    Membership current;
    List<ClusterMember> known;
    try {
      current = registry.membership();
      known = registry.configuredMembers();
    } catch (java.io.IOException | RuntimeException e) {
      return; // Raft not running yet or any more
    }
    if (current.roles().isEmpty()) {
      return; // joining, not added yet: keep the cluster-file view
    }
    follow(current, known);
    if (registry.status().role() == ConsensusStatus.Role.LEADER) {
      lead(current);
    } else if (machine != null) {
      machine = null;
      pending = Map.of();
      refused = Map.of();
      LOG.info("event=auto_demotion_stopped node={} reason=not_leader", self);
    }
  }

  private void follow(Membership current, List<ClusterMember> known) {
    if (current.equals(membership) && known.equals(members)) {
      return;
    }
    Membership previous = membership;
    membership = current;
    // Every configured member is watched, even one whose address is not known here yet: as a
    // voter it must count (as unreachable) rather than shrink the majority.
    List<NodeId> peers = current.roles().keySet().stream().filter(id -> !id.equals(self)).toList();
    detector.reconfigure(peers, current.voters(), current.voters().contains(self));
    if (!known.equals(members)) {
      members = List.copyOf(known);
      sinks.forEach(s -> s.accept(members));
    }
    LOG.info("event=membership_observed node={} voters={} listeners={} addresses_known={}", self,
        current.voters(), current.listeners(), known.stream().map(ClusterMember::id).toList());
    if (previous != null && audit != null) {
      audit.record("membership_observed", Map.of(
          "voters", current.voters().stream().map(NodeId::value).toList(),
          "listeners", current.listeners().stream().map(NodeId::value).toList()));
    }
  }

  private void lead(Membership current) {
    if (machine == null) {
      machine = new AutoDemotion(self, settings);
      LOG.info("event=auto_demotion_started node={} auto_demote={} window_ms={}", self,
          settings.autoDemote(), settings.stabilityWindow().toMillis());
    }
    long now = nanoClock.getAsLong();
    PartitionView view = detector.view();
    Map<NodeId, Long> lag = registry.replicationLag();
    Map<NodeId, AutoDemotion.Observation> observations = new HashMap<>();
    for (PartitionView.PeerView p : view.peers()) {
      Long behind = lag.get(p.id());
      observations.put(p.id(), new AutoDemotion.Observation(p.reachable(),
          detector.report(p.id()).map(PartitionMonitor.PeerReport::health),
          behind == null ? OptionalLong.empty() : OptionalLong.of(behind)));
    }
    List<Action> actions = machine.step(now, current, observations);
    Map<NodeId, String> refusedNow = new LinkedHashMap<>(refused);
    refusedNow.keySet().retainAll(machine.pending().keySet());
    for (Action a : actions) {
      carryOut(a, refusedNow);
    }
    pending = machine.pending();
    refused = Map.copyOf(refusedNow);
  }

  private void carryOut(Action action, Map<NodeId, String> refusedNow) {
    NodeId member = action.member();
    if (action instanceof Action.AlertRaised r) {
      alertsRaised.increment();
      long graceMs = (r.alert().deadlineNanos() - r.alert().raisedAtNanos()) / 1_000_000;
      LOG.warn("event=eviction_pending node={} member={} troubles={} demote_in_ms={} auto_demote={}",
          self, member, r.alert().troubles(), graceMs, settings.autoDemote());
      record("eviction_pending", member, Map.of("troubles", r.alert().troubles().toString(),
          "graceMs", graceMs, "autoDemote", settings.autoDemote()));
    } else if (action instanceof Action.AlertCancelled c) {
      refusedNow.remove(member);
      LOG.info("event=eviction_cancelled node={} member={} why={}", self, member, c.why());
      record("eviction_cancelled", member, Map.of("why", c.why()));
    } else if (action instanceof Action.DemotionRefused r) {
      refusals.increment();
      refusedNow.put(member, r.reason());
      LOG.warn("event=auto_demotion_refused node={} member={} reason=\"{}\"", self, member, r.reason());
      record("auto_demotion_refused", member, Map.of("reason", r.reason()));
    } else if (action instanceof Action.Demote d) {
      demotions.increment();
      refusedNow.remove(member);
      LOG.warn("event=auto_demotion node={} member={} troubles={} voters_after={}", self, member,
          d.alert().troubles(), d.next().voters());
      record("auto_demotion", member, Map.of("troubles", d.alert().troubles().toString(),
          "votersAfter", d.next().voters().stream().map(NodeId::value).toList()));
      propose(member, d.current(), d.next());
    } else if (action instanceof Action.Promote p) {
      promotions.increment();
      LOG.info("event=auto_promotion node={} member={} voters_after={}", self, member, p.next().voters());
      record("auto_promotion", member, Map.of(
          "votersAfter", p.next().voters().stream().map(NodeId::value).toList()));
      propose(member, p.current(), p.next());
    }
  }

  private void propose(NodeId member, Membership current, Membership next) {
    registry.changeMembership(current, next).whenComplete((done, error) -> {
      if (error == null) {
        return;
      }
      LOG.warn("event=auto_membership_change_failed node={} member={} error={}", self, member, error.toString());
      record("auto_membership_change_failed", member, Map.of("error", String.valueOf(error.getMessage())));
      synchronized (MembershipMonitor.this) {
        if (machine != null) {
          machine.changeFailed(member, nanoClock.getAsLong());
        }
      }
    });
  }

  private void record(String event, NodeId member, Map<String, ?> fields) {
    if (audit == null) {
      return;
    }
    Map<String, Object> all = new LinkedHashMap<>(fields);
    all.put("member", member.value());
    audit.record(event, all);
  }

  /** Whether {@code id} is a voter in the configuration last seen. */
  public boolean isVoter(NodeId id) {
    Membership m = membership;
    return m != null && m.roles().get(id) == MemberRole.VOTER;
  }

  /** The configuration last seen, if any. */
  public Optional<Membership> membership() {
    return Optional.ofNullable(membership);
  }

  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
