package io.splitguard.server.election;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.election.LeaderContact;
import io.splitguard.core.election.PromptElection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out {@link PromptElection} on this node: every tick it reads its contact with the
 * leader; once the silence reaches its turn, it asks the other voters for theirs, and when a
 * silent majority agrees it starts the election in place of the silent leader.
 *
 * <p>At most one question is out at a time, and a follower that was told "wait" asks again no
 * sooner than {@link #RETRY_AFTER} later, so a follower cut off from a live leader by a one-sided
 * partition costs its peers a few small requests a second, not one per tick.
 */
public final class PromptElectionTrigger implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PromptElectionTrigger.class);

  /** How long a peer has to answer: far above a LAN round trip, far below an election timeout. */
  public static final Duration ASK_TIMEOUT = Duration.ofMillis(150);

  /** The pause after an answer that did not start an election. */
  public static final Duration RETRY_AFTER = Duration.ofMillis(50);

  /** What the trigger reads from, and does to, this node's consensus. */
  public interface Consensus {
    /** This node's contact with its leader, empty unless it is a follower that heard one. */
    Optional<LeaderContact> leaderContact();

    /** The voters of the current configuration. */
    Set<NodeId> voters();

    /** Starts an election in place of the leader in {@code contact}; whether it started. */
    boolean startElectionInPlaceOf(LeaderContact contact);
  }

  /** Asks a peer for its contact with the leader; empty (or failed) when it has none to give. */
  public interface Peers {
    CompletableFuture<Optional<LeaderContact>> ask(NodeId peer);
  }

  private final NodeId self;
  private final PromptElection policy;
  private final Consensus consensus;
  private final Peers peers;
  private final LongSupplier nanoClock;
  private final AtomicBoolean asking = new AtomicBoolean();
  private volatile long quietUntilNanos;
  private final Counter started;
  private final Counter refused;
  private final Counter deferred;
  private final Counter held;
  private ScheduledExecutorService ticker;

  /** A trigger; call {@link #start} to tick, or {@link #tick} directly (tests). */
  public PromptElectionTrigger(NodeId self, PromptElection policy, Consensus consensus, Peers peers,
      LongSupplier nanoClock, MeterRegistry metrics) {
    this.self = self;
    this.policy = policy;
    this.consensus = consensus;
    this.peers = peers;
    this.nanoClock = nanoClock;
    this.quietUntilNanos = nanoClock.getAsLong();
    this.started = counter(metrics, "started", "a silent majority agreed and the election started");
    this.refused = counter(metrics, "refused", "a silent majority agreed but Raft refused to start (role or term changed)");
    this.deferred = counter(metrics, "deferred", "a silent majority agreed but a peer's log is more up to date");
    this.held = counter(metrics, "held", "a peer had heard the leader recently or did not answer");
  }

  private static Counter counter(MeterRegistry metrics, String result, String description) {
    return Counter.builder("prompt_elections_total").tag("result", result)
        .description("Prompt-election questions by outcome: " + description).register(metrics);
  }

  /** Ticks every {@code period} on a daemon thread of its own. */
  public PromptElectionTrigger start(Duration period) {
    ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "prompt-election-" + self);
      t.setDaemon(true);
      return t;
    });
    ticker.scheduleAtFixedRate(() -> {
      try {
        tick();
      } catch (RuntimeException e) {
        LOG.warn("event=prompt_election_tick_failed node={} error={}", self, e.toString());
      }
    }, period.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
    return this;
  }

  /**
   * One look: asks the peers if this follower's turn has come and no question is out. The answers
   * are handled on whichever thread completes the last of them.
   */
  public void tick() {
    if (nanoClock.getAsLong() - quietUntilNanos < 0) {
      return;
    }
    Optional<LeaderContact> own = consensus.leaderContact();
    if (own.isEmpty() || own.get().silenceMs() < policy.dueAfterMs(0)) {
      return; // the usual case, every tick of a healthy follower: no turn has come yet
    }
    Set<NodeId> voters = consensus.voters();
    if (!policy.isDue(self, own.get(), voters) || !asking.compareAndSet(false, true)) {
      return;
    }
    NodeId leader = own.get().leader();
    List<NodeId> asked = PromptElection.peersToAsk(self, leader, voters);
    List<CompletableFuture<Optional<LeaderContact>>> answers = new ArrayList<>();
    for (NodeId peer : asked) {
      CompletableFuture<Optional<LeaderContact>> answer;
      try {
        answer = peers.ask(peer);
      } catch (RuntimeException e) {
        answer = CompletableFuture.completedFuture(Optional.empty());
      }
      answers.add(answer.completeOnTimeout(Optional.empty(), ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .exceptionally(e -> Optional.empty()));
    }
    CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).whenComplete((ignored, error) -> {
      try {
        Map<NodeId, Optional<LeaderContact>> byPeer = new LinkedHashMap<>();
        for (int i = 0; i < asked.size(); i++) {
          byPeer.put(asked.get(i), answers.get(i).getNow(Optional.empty()));
        }
        decide(own.get(), byPeer, voters);
      } catch (RuntimeException e) {
        LOG.warn("event=prompt_election_failed node={} error={}", self, e.toString());
      } finally {
        asking.set(false);
      }
    });
  }

  private void decide(LeaderContact asked, Map<NodeId, Optional<LeaderContact>> answers, Set<NodeId> voters) {
    // Decide on this node's contact as it is now: the leader may have spoken while we asked.
    Optional<LeaderContact> now = consensus.leaderContact().filter(c -> c.sameLeaderAs(asked));
    PromptElection.Decision decision = now.isEmpty() ? PromptElection.Decision.WAIT
        : policy.decide(self, now.get(), answers, voters);
    switch (decision) {
      case START -> {
        if (consensus.startElectionInPlaceOf(now.get())) {
          started.increment();
        } else {
          refused.increment();
          quiet();
        }
      }
      case DEFER -> {
        deferred.increment();
        LOG.info("event=prompt_election_deferred node={} silent_leader={} term={} reason=\"a silent peer's log is more up to date\"",
            self, asked.leader(), asked.term());
        quiet();
      }
      case WAIT -> {
        held.increment();
        quiet();
      }
    }
  }

  private void quiet() {
    quietUntilNanos = nanoClock.getAsLong() + RETRY_AFTER.toNanos();
  }

  @Override
  public void close() {
    if (ticker != null) {
      ticker.shutdownNow();
    }
  }
}
