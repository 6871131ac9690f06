package io.splitguard.server.ap;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.splitguard.core.ap.merkle.MerkleTree;
import io.splitguard.core.cluster.ClusterMember;
import io.splitguard.core.cluster.NodeId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replicates this node's AP store to its peers: changes are pushed eagerly, and a periodic
 * anti-entropy round with each peer compares Merkle digests, then per-key summaries of the
 * differing ranges, so that after a heal only the differing keys' entries travel.
 *
 * <p><b>Push.</b> Every durable change marks its key pending for every peer but the one it came
 * from. Every {@code pushInterval}, up to {@code batchMax} pending keys (oldest first) are sent to
 * each reachable peer as whole states ({@link ApProtocol.Operation#MERGE}); state-based merge makes
 * resending harmless. A key is cleared only if it did not change again while in flight. A peer
 * that fails is retried with exponential backoff; its pending keys stay (their count and the
 * oldest one's age are the replication lag).
 *
 * <p><b>Anti-entropy.</b> Every {@code antiEntropyInterval}, for each reachable peer: fetch its
 * Merkle tree over {@link #rangeCountFor} ranges (only "equal" comes back when the roots match),
 * diff it with the local one, and for the differing ranges, a slice at a time: fetch the peer's
 * 8-byte key summaries ({@link MerkleTree#keySummary}), fetch only the entries whose summary this
 * node lacks and merge them, and push the local entries whose summary the peer lacks. A range
 * whose leaf differed but whose summaries all match (a summary collision, or a change in between)
 * is exchanged whole. This repairs whatever push missed (a change merged from a third node, a peer
 * restarted with a damaged log).
 *
 * <p><b>Steppable.</b> The logic talks to peers only through an {@link ApChannel} and reads time
 * only from {@code nowMs}; {@link #pushRound()} and {@link #antiEntropyRound()} run one round and
 * complete when it is over, without blocking. {@link #start()} runs them on one thread of their own
 * (so rounds never overlap), which is how the node uses it; the AP simulation drives the rounds
 * from its simulated clock instead. Thread-safe towards the store's listener.
 */
public final class ApReplicator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApReplicator.class);

  /**
   * Keys per Merkle range that anti-entropy aims for: the range count grows with the store (from
   * {@code rangeCount} up to {@link MerkleTree#MAX_RANGES}) so a range stays small, and a few
   * divergent keys do not make a peer summarise a large share of the store.
   */
  public static final int KEYS_PER_RANGE = 64;

  private final NodeId self;
  private final Set<NodeId> peers;
  private final ApStore store;
  private final ApChannel channel;
  private final ApProtocol protocol = new ApProtocol(new ObjectMapper());
  private final Predicate<NodeId> reachable;
  private final ApReplicationSettings settings;
  private final LongSupplier nowMs;
  private final Map<NodeId, PeerState> peerStates = new ConcurrentSkipListMap<>();
  private final Counter antiEntropyBytes;
  private ScheduledExecutorService executor;
  private long seq;
  private volatile long lastRoundMs = -1;

  private static final class PeerState {
    final LinkedHashMap<ApKey, Mark> pending = new LinkedHashMap<>();
    long nextAttemptMs;
    long backoffMs;
    int divergentRanges = -1;
  }

  private record Mark(long sinceMs, long seq) {}

  /**
   * A replicator for {@code store} talking HTTP to {@code peers}; call {@link #start()} to begin.
   *
   * @param reachable whether the failure detector currently considers a peer reachable
   * @param nowMs wall-clock time, for lag and backoff
   */
  public ApReplicator(NodeId self, List<ClusterMember> peers, ApStore store, Predicate<NodeId> reachable,
      ApReplicationSettings settings, LongSupplier nowMs, MeterRegistry metrics) {
    this(self, peers.stream().map(ClusterMember::id).toList(), store,
        new HttpApChannel(peers, settings.requestTimeout()), reachable, settings, nowMs, metrics);
  }

  /**
   * A replicator for {@code store} reaching {@code peers} through {@code channel}.
   *
   * @param reachable whether the failure detector currently considers a peer reachable
   * @param nowMs wall-clock time, for lag and backoff
   */
  public ApReplicator(NodeId self, List<NodeId> peers, ApStore store, ApChannel channel,
      Predicate<NodeId> reachable, ApReplicationSettings settings, LongSupplier nowMs, MeterRegistry metrics) {
    this.self = self;
    this.store = store;
    this.channel = channel;
    this.reachable = reachable;
    this.settings = settings;
    this.nowMs = nowMs;
    // Concurrent: members added at run time (addPeers) while rounds iterate.
    this.peers = new ConcurrentSkipListSet<>(peers);
    for (NodeId p : this.peers) {
      peerStates.put(p, new PeerState());
    }
    this.antiEntropyBytes = Counter.builder("ap_antientropy_bytes_total")
        .description("bytes of digests and entries exchanged by AP anti-entropy rounds").register(metrics);
    Gauge.builder("ap_replication_lag_seconds", this, r -> r.lagMs() / 1000.0)
        .description("age of the oldest AP change not yet acknowledged by some peer").register(metrics);
    Gauge.builder("ap_conflicts_open", store, ApStore::openConflicts)
        .description("MANUAL keys in conflict on this node").register(metrics);
    store.addListener(this::changed);
  }

  /**
   * Starts replicating to members added to the cluster at run time (others are ignored). A new
   * peer receives no backlog of pushes: the next anti-entropy round with it brings it up to date.
   * Removed members are not dropped here; the failure detector stops reporting them reachable,
   * and unreachable peers are skipped.
   */
  public synchronized void addPeers(List<ClusterMember> members) {
    for (ClusterMember m : members) {
      if (!m.id().equals(self) && !peers.contains(m.id())) {
        channel.addPeer(m);
        peerStates.put(m.id(), new PeerState());
        peers.add(m.id());
        LOG.info("event=ap_peer_added node={} peer={} api={}", self, m.id(), m.api());
      }
    }
  }

  /** Starts pushing and anti-entropy on a thread of its own. */
  public synchronized void start() {
    executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ap-replicator-" + self);
      t.setDaemon(true);
      return t;
    });
    long push = settings.pushInterval().toMillis();
    long ae = settings.antiEntropyInterval().toMillis();
    executor.scheduleWithFixedDelay(guarded(this::pushAll, "push"), push, push, TimeUnit.MILLISECONDS);
    executor.scheduleWithFixedDelay(guarded(this::antiEntropyAll, "anti_entropy"), ae, ae, TimeUnit.MILLISECONDS);
  }

  private Runnable guarded(Runnable r, String what) {
    return () -> {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.warn("event=ap_{}_failed node={} error={}", what, self, e.toString());
      }
    };
  }

  private synchronized void changed(ApKey key, Optional<NodeId> origin) {
    long now = nowMs.getAsLong();
    long mark = ++seq;
    for (Map.Entry<NodeId, PeerState> e : peerStates.entrySet()) {
      if (origin.isPresent() && origin.get().equals(e.getKey())) {
        continue;
      }
      e.getValue().pending.merge(key, new Mark(now, mark), (old, fresh) -> new Mark(old.sinceMs(), fresh.seq()));
    }
  }

  /** Runs {@code step} for each peer in order, each after the previous one's future completed. */
  private CompletableFuture<Void> forEachPeer(java.util.function.Function<NodeId, CompletableFuture<Void>> step) {
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (NodeId peer : peers) {
      chain = chain.thenCompose(x -> step.apply(peer));
    }
    return chain;
  }

  // ---- push --------------------------------------------------------------------------------------

  /** One push round to every peer, blocking until it is over (the replicator thread; tests). */
  void pushAll() {
    pushRound().join();
  }

  /**
   * One push round: each reachable peer that is not backing off gets up to {@code batchMax} of its
   * pending keys. Completes when every peer answered or failed; never completes exceptionally.
   */
  public CompletableFuture<Void> pushRound() {
    return forEachPeer(this::pushTo);
  }

  private CompletableFuture<Void> pushTo(NodeId peer) {
    if (!reachable.test(peer)) {
      return CompletableFuture.completedFuture(null);
    }
    Map<ApKey, Mark> batch = new LinkedHashMap<>();
    synchronized (this) {
      PeerState s = peerStates.get(peer);
      if (s.pending.isEmpty() || nowMs.getAsLong() < s.nextAttemptMs) {
        return CompletableFuture.completedFuture(null);
      }
      for (Map.Entry<ApKey, Mark> e : s.pending.entrySet()) {
        if (batch.size() >= settings.batchMax()) {
          break;
        }
        batch.put(e.getKey(), e.getValue());
      }
    }
    List<ApStore.Entry> entries = store.entries(batch.keySet());
    CompletableFuture<Long> sent = entries.isEmpty() ? CompletableFuture.completedFuture(0L) : send(peer, entries);
    return sent.handle((bytes, error) -> {
      if (error != null) {
        failed(peer, "push", error);
        return null;
      }
      synchronized (this) {
        PeerState s = peerStates.get(peer);
        batch.forEach((k, m) -> s.pending.remove(k, m)); // a key changed in flight stays pending
        s.backoffMs = 0;
        s.nextAttemptMs = 0;
      }
      return null;
    });
  }

  /** Pushes {@code entries}; completes with the bytes exchanged once the peer made them durable. */
  private CompletableFuture<Long> send(NodeId peer, List<ApStore.Entry> entries) {
    byte[] body = protocol.encodePush(self, entries);
    return call(peer, ApProtocol.Operation.MERGE, body).thenApply(answer -> {
      protocol.decodeMergeReport(answer);
      return (long) body.length + answer.length;
    });
  }

  private CompletableFuture<byte[]> call(NodeId peer, ApProtocol.Operation op, byte[] body) {
    try {
      return channel.call(peer, op, body);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private synchronized void failed(NodeId peer, String what, Throwable e) {
    PeerState s = peerStates.get(peer);
    s.backoffMs = s.backoffMs == 0 ? settings.initialBackoff().toMillis()
        : Math.min(settings.maxBackoff().toMillis(), s.backoffMs * 2);
    s.nextAttemptMs = nowMs.getAsLong() + s.backoffMs;
    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    LOG.debug("event=ap_{}_peer_failed node={} peer={} backoffMs={} error={}", what, self, peer, s.backoffMs,
        cause.toString());
  }

  // ---- anti-entropy ------------------------------------------------------------------------------

  /** One anti-entropy round, blocking until it is over (the replicator thread; tests). */
  void antiEntropyAll() {
    antiEntropyRound().join();
  }

  /**
   * One anti-entropy round with every reachable peer that is not backing off. Completes when it is
   * over; never completes exceptionally (a failing peer is backed off).
   */
  public CompletableFuture<Void> antiEntropyRound() {
    return forEachPeer(peer -> {
      synchronized (this) {
        if (nowMs.getAsLong() < peerStates.get(peer).nextAttemptMs) {
          return CompletableFuture.completedFuture(null);
        }
      }
      if (!reachable.test(peer)) {
        return CompletableFuture.completedFuture(null);
      }
      CompletableFuture<Void> round;
      try {
        round = antiEntropy(peer);
      } catch (RuntimeException e) {
        round = CompletableFuture.failedFuture(e);
      }
      return round.handle((x, error) -> {
        if (error != null) {
          failed(peer, "anti_entropy", error);
        }
        return null;
      });
    }).thenRun(() -> lastRoundMs = nowMs.getAsLong());
  }

  /**
   * The number of Merkle ranges anti-entropy uses for a store of {@code keys} keys: the configured
   * {@code base} count, doubled while a range would hold more than {@link #KEYS_PER_RANGE} keys, up
   * to {@link MerkleTree#MAX_RANGES}. Both sides use the asker's count.
   */
  public static int rangeCountFor(int keys, int base) {
    int ranges = base;
    while (ranges < MerkleTree.MAX_RANGES && (long) ranges * KEYS_PER_RANGE < keys) {
      ranges *= 2;
    }
    return ranges;
  }

  private CompletableFuture<Void> antiEntropy(NodeId peer) {
    int ranges = rangeCountFor(store.durableKeyCount(), settings.rangeCount());
    MerkleTree local = store.tree(ranges);
    byte[] ask = protocol.encodeDigestRequest(new ApProtocol.DigestRequest(ranges, Optional.of(local.root())));
    return call(peer, ApProtocol.Operation.DIGEST, ask).thenCompose(answer -> {
      antiEntropyBytes.increment(ask.length + answer.length);
      Optional<MerkleTree> theirs = protocol.decodeDigest(answer, ranges);
      List<Integer> differing = theirs.isEmpty() ? List.of() : MerkleTree.diff(local, theirs.get());
      synchronized (this) {
        peerStates.get(peer).divergentRanges = differing.size();
      }
      if (differing.isEmpty()) {
        return CompletableFuture.completedFuture(null);
      }
      LOG.info("event=ap_anti_entropy node={} peer={} rangeCount={} divergentRanges={}", self, peer, ranges,
          differing.size());
      // Each request covers the same share of the key space whatever the range count.
      int perRequest = Math.min(ApProtocol.MAX_RANGES_PER_REQUEST,
          settings.rangesPerRequest() * Math.max(1, ranges / settings.rangeCount()));
      CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
      for (int from = 0; from < differing.size(); from += perRequest) {
        List<Integer> slice = differing.subList(from, Math.min(differing.size(), from + perRequest));
        chain = chain.thenCompose(x -> exchangeRanges(peer, ranges, slice));
      }
      return chain;
    });
  }

  /** Repairs one slice of differing ranges with {@code peer}, key by key where the summaries allow. */
  private CompletableFuture<Void> exchangeRanges(NodeId peer, int ranges, List<Integer> slice) {
    byte[] ask = protocol.encodeRangeRequest(new ApProtocol.RangeRequest(ranges, slice));
    return call(peer, ApProtocol.Operation.SUMMARIES, ask).thenCompose(answer -> {
      antiEntropyBytes.increment(ask.length + answer.length);
      Map<Integer, long[]> theirs = protocol.decodeSummaries(answer);
      Map<Integer, SortedMap<Long, ApKey>> ours = store.summaries(new HashSet<>(slice), ranges);
      List<Long> wanted = new ArrayList<>();
      List<ApKey> toPush = new ArrayList<>();
      List<Integer> whole = new ArrayList<>();
      for (int r : slice) {
        SortedMap<Long, ApKey> mine = ours.getOrDefault(r, new TreeMap<>());
        Set<Long> theirSet = new HashSet<>();
        for (long s : theirs.getOrDefault(r, new long[0])) {
          theirSet.add(s);
        }
        List<Long> missingHere = new ArrayList<>();
        for (long s : theirSet) {
          if (!mine.containsKey(s)) {
            missingHere.add(s);
          }
        }
        List<ApKey> missingThere = new ArrayList<>();
        mine.forEach((s, key) -> {
          if (!theirSet.contains(s)) {
            missingThere.add(key);
          }
        });
        if (missingHere.isEmpty() && missingThere.isEmpty()) {
          whole.add(r); // the leaf differed but no summary does: exchange the range whole
        } else {
          missingHere.sort(null);
          wanted.addAll(missingHere);
          toPush.addAll(missingThere);
        }
      }
      CompletableFuture<List<ApStore.Entry>> fetched = CompletableFuture.completedFuture(new ArrayList<>());
      if (!wanted.isEmpty()) {
        byte[] fetch = protocol.encodeRangeRequest(new ApProtocol.RangeRequest(ranges, slice,
            wanted.stream().mapToLong(Long::longValue).toArray()));
        fetched = fetched.thenCompose(list -> call(peer, ApProtocol.Operation.FETCH, fetch).thenApply(a -> {
          antiEntropyBytes.increment(fetch.length + a.length);
          list.addAll(protocol.decodeEntries(a));
          return list;
        }));
      }
      if (!whole.isEmpty()) {
        byte[] range = protocol.encodeRangeRequest(new ApProtocol.RangeRequest(ranges, whole));
        fetched = fetched.thenCompose(list -> call(peer, ApProtocol.Operation.RANGE, range).thenApply(a -> {
          antiEntropyBytes.increment(range.length + a.length);
          list.addAll(protocol.decodeEntries(a));
          return list;
        }));
      }
      return fetched.thenCompose(received -> mergeInBatches(received, peer, 0)).thenCompose(x -> {
        List<ApStore.Entry> local = new ArrayList<>(store.entries(toPush));
        if (!whole.isEmpty()) {
          local.addAll(store.entriesInRanges(new HashSet<>(whole), ranges));
        }
        return pushInBatches(peer, local, 0);
      });
    });
  }

  /** Merges {@code received} in batches of {@code batchMax}, each durable before the next. */
  private CompletableFuture<Void> mergeInBatches(List<ApStore.Entry> received, NodeId peer, int from) {
    if (from >= received.size()) {
      return CompletableFuture.completedFuture(null);
    }
    List<ApStore.Entry> batch = received.subList(from, Math.min(received.size(), from + settings.batchMax()));
    return store.merge(batch, peer).thenCompose(r -> mergeInBatches(received, peer, from + settings.batchMax()));
  }

  private CompletableFuture<Void> pushInBatches(NodeId peer, List<ApStore.Entry> local, int from) {
    if (from >= local.size()) {
      return CompletableFuture.completedFuture(null);
    }
    List<ApStore.Entry> batch = local.subList(from, Math.min(local.size(), from + settings.batchMax()));
    return send(peer, batch).thenCompose(bytes -> {
      antiEntropyBytes.increment(bytes);
      return pushInBatches(peer, local, from + settings.batchMax());
    });
  }

  // ---- status ------------------------------------------------------------------------------------

  /**
   * What {@code /v1/status} shows about AP replication.
   *
   * @param keys keys per keyspace on this node
   * @param pending per peer, keys changed here and not yet acknowledged by it
   * @param divergentRanges per peer, Merkle ranges that differed in the last round ({@code -1}: no
   *     round yet)
   * @param lastAntiEntropyMs wall time of the last anti-entropy round ({@code -1}: none yet)
   * @param lagSeconds age of the oldest pending change
   * @param openConflicts MANUAL keys in conflict here
   */
  public record Status(Map<String, Integer> keys, Map<String, Integer> pending, Map<String, Integer> divergentRanges,
      long lastAntiEntropyMs, double lagSeconds, int openConflicts) {}

  /** The current status. */
  public Status status() {
    Map<String, Integer> pending = new TreeMap<>();
    Map<String, Integer> divergent = new TreeMap<>();
    synchronized (this) {
      peerStates.forEach((peer, s) -> {
        pending.put(peer.value(), s.pending.size());
        divergent.put(peer.value(), s.divergentRanges);
      });
    }
    return new Status(store.keyCounts(), pending, divergent, lastRoundMs, lagMs() / 1000.0, store.openConflicts());
  }

  private synchronized long lagMs() {
    long oldest = Long.MAX_VALUE;
    for (PeerState s : peerStates.values()) {
      if (!s.pending.isEmpty()) {
        oldest = Math.min(oldest, s.pending.values().iterator().next().sinceMs());
      }
    }
    return oldest == Long.MAX_VALUE ? 0 : Math.max(0, nowMs.getAsLong() - oldest);
  }

  @Override
  public synchronized void close() {
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}
