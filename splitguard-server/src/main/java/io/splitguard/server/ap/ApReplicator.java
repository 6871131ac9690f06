package io.splitguard.server.ap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.splitguard.core.ap.codec.ApCodec;
import io.splitguard.core.ap.merkle.MerkleTree;
import io.splitguard.core.cluster.ClusterMember;
import io.splitguard.core.cluster.NodeId;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replicates this node's AP store to its peers over HTTP: changes are pushed eagerly, and a
 * periodic anti-entropy round with each peer compares Merkle digests so that only the differing
 * ranges' entries travel after a heal.
 *
 * <p><b>Push.</b> Every durable change marks its key pending for every peer but the one it came
 * from. Every {@code pushInterval}, up to {@code batchMax} pending keys (oldest first) are sent to
 * each reachable peer as whole states ({@code POST /v1/internal/ap/merge}); state-based merge makes
 * resending harmless. A key is cleared only if it did not change again while in flight. A peer
 * that fails is retried with exponential backoff; its pending keys stay (their count and the
 * oldest one's age are the replication lag).
 *
 * <p><b>Anti-entropy.</b> Every {@code antiEntropyInterval}, for each reachable peer: fetch its
 * Merkle tree ({@code GET /v1/internal/ap/digest}), diff it with the local one, fetch the entries
 * of the differing ranges a few ranges at a time ({@code POST /v1/internal/ap/range}) and merge
 * them, then push the local entries of those ranges. This repairs whatever push missed (a change
 * merged from a third node, a peer restarted with a damaged log).
 *
 * <p>One thread does all of it, so rounds never overlap. Thread-safe towards the store's listener.
 */
public final class ApReplicator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApReplicator.class);

  private final NodeId self;
  private final Map<NodeId, URI> peers;
  private final ApStore store;
  private final Predicate<NodeId> reachable;
  private final ApReplicationSettings settings;
  private final LongSupplier nowMs;
  private final HttpClient http;
  private final ObjectMapper json = new ObjectMapper();
  private final Map<NodeId, PeerState> peerStates = new TreeMap<>();
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
   * A replicator for {@code store}; call {@link #start()} to begin.
   *
   * @param reachable whether the failure detector currently considers a peer reachable
   * @param nowMs wall-clock time, for lag and backoff
   */
  public ApReplicator(NodeId self, List<ClusterMember> peers, ApStore store, Predicate<NodeId> reachable,
      ApReplicationSettings settings, LongSupplier nowMs, MeterRegistry metrics) {
    this.self = self;
    this.store = store;
    this.reachable = reachable;
    this.settings = settings;
    this.nowMs = nowMs;
    // Concurrent: members added at run time (addPeers) while rounds iterate.
    this.peers = new java.util.concurrent.ConcurrentSkipListMap<>();
    for (ClusterMember m : peers) {
      this.peers.put(m.id(), URI.create("http://" + m.api()));
      peerStates.put(m.id(), new PeerState());
    }
    this.http = HttpClient.newBuilder().connectTimeout(settings.requestTimeout()).build();
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
      if (!m.id().equals(self) && !peers.containsKey(m.id())) {
        peerStates.put(m.id(), new PeerState());
        peers.put(m.id(), URI.create("http://" + m.api()));
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

  // ---- push --------------------------------------------------------------------------------------

  /** One push round to every peer (also called by tests). */
  void pushAll() {
    for (NodeId peer : peers.keySet()) {
      if (!reachable.test(peer)) {
        continue;
      }
      Map<ApKey, Mark> batch = new LinkedHashMap<>();
      synchronized (this) {
        PeerState s = peerStates.get(peer);
        if (s.pending.isEmpty() || nowMs.getAsLong() < s.nextAttemptMs) {
          continue;
        }
        for (Map.Entry<ApKey, Mark> e : s.pending.entrySet()) {
          if (batch.size() >= settings.batchMax()) {
            break;
          }
          batch.put(e.getKey(), e.getValue());
        }
      }
      List<ApStore.Entry> entries = store.entries(batch.keySet());
      try {
        if (!entries.isEmpty()) {
          send(peer, entries);
        }
        synchronized (this) {
          PeerState s = peerStates.get(peer);
          batch.forEach((k, m) -> s.pending.remove(k, m)); // a key changed in flight stays pending
          s.backoffMs = 0;
          s.nextAttemptMs = 0;
        }
      } catch (IOException | RuntimeException e) {
        failed(peer, "push", e);
      }
    }
  }

  private int send(NodeId peer, List<ApStore.Entry> entries) throws IOException {
    ObjectNode body = json.createObjectNode();
    body.put("from", self.value());
    body.set("entries", ApWire.entries(json, entries));
    byte[] bytes = json.writeValueAsBytes(body);
    post(peer, "/v1/internal/ap/merge", bytes);
    return bytes.length;
  }

  private byte[] post(NodeId peer, String path, byte[] body) throws IOException {
    return call(peer, HttpRequest.newBuilder(peers.get(peer).resolve(path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  private byte[] call(NodeId peer, HttpRequest.Builder request) throws IOException {
    HttpResponse<byte[]> r;
    try {
      r = http.send(request.timeout(settings.requestTimeout()).build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (r.statusCode() != 200) {
      throw new IOException(peer + " answered " + r.statusCode() + ": "
          + new String(r.body(), StandardCharsets.UTF_8));
    }
    return r.body();
  }

  private synchronized void failed(NodeId peer, String what, Exception e) {
    PeerState s = peerStates.get(peer);
    s.backoffMs = s.backoffMs == 0 ? settings.initialBackoff().toMillis()
        : Math.min(settings.maxBackoff().toMillis(), s.backoffMs * 2);
    s.nextAttemptMs = nowMs.getAsLong() + s.backoffMs;
    LOG.debug("event=ap_{}_peer_failed node={} peer={} backoffMs={} error={}", what, self, peer, s.backoffMs,
        e.toString());
  }

  // ---- anti-entropy ------------------------------------------------------------------------------

  /** One anti-entropy round with every reachable peer (also called by tests). */
  void antiEntropyAll() {
    for (NodeId peer : peers.keySet()) {
      synchronized (this) {
        if (nowMs.getAsLong() < peerStates.get(peer).nextAttemptMs) {
          continue;
        }
      }
      if (!reachable.test(peer)) {
        continue;
      }
      try {
        antiEntropy(peer);
      } catch (IOException | RuntimeException e) {
        failed(peer, "anti_entropy", e);
      }
    }
    lastRoundMs = nowMs.getAsLong();
  }

  private void antiEntropy(NodeId peer) throws IOException {
    int ranges = settings.rangeCount();
    byte[] digest = call(peer, HttpRequest.newBuilder(peers.get(peer).resolve("/v1/internal/ap/digest?ranges=" + ranges)).GET());
    antiEntropyBytes.increment(digest.length);
    MerkleTree theirs = ApCodec.decodeMerkleTree(Base64.getDecoder().decode(json.readTree(digest).path("tree").asText()));
    List<Integer> differing = MerkleTree.diff(store.tree(ranges), theirs);
    synchronized (this) {
      peerStates.get(peer).divergentRanges = differing.size();
    }
    if (differing.isEmpty()) {
      return;
    }
    LOG.info("event=ap_anti_entropy node={} peer={} divergentRanges={}", self, peer, differing.size());
    for (int from = 0; from < differing.size(); from += settings.rangesPerRequest()) {
      List<Integer> chunk = differing.subList(from, Math.min(differing.size(), from + settings.rangesPerRequest()));
      ObjectNode ask = json.createObjectNode();
      ask.put("rangeCount", ranges);
      ArrayNode list = ask.putArray("ranges");
      chunk.forEach(list::add);
      byte[] askBytes = json.writeValueAsBytes(ask);
      byte[] answer = post(peer, "/v1/internal/ap/range", askBytes);
      antiEntropyBytes.increment(askBytes.length + answer.length);
      JsonNode entries = json.readTree(answer).path("entries");
      // Merged in bounded batches, each durable before the next.
      List<ApStore.Entry> received = new ArrayList<>();
      for (JsonNode e : entries) {
        ArrayNode one = json.createArrayNode().add(e);
        received.addAll(ApWire.decode(one));
      }
      for (int i = 0; i < received.size(); i += settings.batchMax()) {
        store.merge(received.subList(i, Math.min(received.size(), i + settings.batchMax())), peer).join();
      }
      List<ApStore.Entry> ours = store.entriesInRanges(new HashSet<>(chunk), ranges);
      for (int i = 0; i < ours.size(); i += settings.batchMax()) {
        antiEntropyBytes.increment(send(peer, ours.subList(i, Math.min(ours.size(), i + settings.batchMax()))));
      }
    }
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
