package io.splitguard.server.ap.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.splitguard.core.ap.clock.ClockSkewException;
import io.splitguard.core.ap.clock.Dot;
import io.splitguard.core.ap.clock.Hlc;
import io.splitguard.core.ap.clock.HlcSettings;
import io.splitguard.core.ap.codec.ApCodec;
import io.splitguard.core.ap.crdt.LwwRegister;
import io.splitguard.core.ap.crdt.ManualRegister;
import io.splitguard.core.ap.crdt.Mergeable;
import io.splitguard.core.ap.crdt.MvRegister;
import io.splitguard.core.ap.crdt.OrSet;
import io.splitguard.core.ap.crdt.PnCounter;
import io.splitguard.core.ap.crdt.Sibling;
import io.splitguard.core.ap.crdt.StampOrder;
import io.splitguard.core.ap.clock.Stamp;
import io.splitguard.core.ap.crdt.Superseded;
import io.splitguard.core.ap.crdt.SupersedeReason;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.server.ap.ApChannel;
import io.splitguard.server.ap.ApConflictException;
import io.splitguard.server.ap.ApKey;
import io.splitguard.server.ap.ApPeerEndpoint;
import io.splitguard.server.ap.ApProtocol;
import io.splitguard.server.ap.ApReplicationSettings;
import io.splitguard.server.ap.ApReplicator;
import io.splitguard.server.ap.ApStore;
import io.splitguard.server.ap.ApStoreSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * A deterministic simulation of AP nodes running the real {@link ApStore}, {@link ApReplicator},
 * {@link ApPeerEndpoint} and {@link ApProtocol} bytes, over a simulated network (partitions, loss,
 * delay) and simulated logs ({@link SimWal}: unsynced records lost on a crash), all driven by one
 * seeded {@link Random} and a simulated clock. Single-threaded: every future completes inside an
 * event, so a seed replays exactly.
 *
 * <p>A run: writes and deletes at random nodes of LWW, multi-value, counter, OR-set and MANUAL
 * values while connected; a partition into two sides with writes on both, crashes (a random prefix
 * of the unsynced log survives) and restarts; the heal; then replication until quiescent. The
 * stores keep small bounded histories (so watermarks rise) and take snapshots while running, their
 * writes queued as events of the simulation. {@link #check()} then states what must hold, against
 * a record of every operation and its fate: acknowledged (its future completed), survived
 * (unacknowledged, but its record was on disk at the crash) or lost (its record was not).
 */
final class ApSimulation {
  static final String LWW = "lww";
  static final String CRDT = "crdt";
  static final String MANUAL = "manual";

  /**
   * What a run does.
   *
   * @param seed the one source of randomness
   * @param nodes number of nodes (3-5)
   * @param loss probability that a message is dropped while the fault phase lasts
   * @param acknowledgeBeforeSync a deliberately broken log, to show the checks catch lost acks
   * @param store the stores' bounds: histories short enough that watermarks rise within a run,
   *     snapshots often enough that crashes find them
   */
  record Config(long seed, int nodes, double loss, boolean acknowledgeBeforeSync, ApStoreSettings store) {
    /**
     * Histories long enough that no value drops out (the strictest checks), a snapshot every 100
     * records.
     */
    Config(long seed, int nodes, double loss, boolean acknowledgeBeforeSync) {
      this(seed, nodes, loss, acknowledgeBeforeSync, new ApStoreSettings(ApStoreSettings.HISTORY_MAX_ENTRIES_LIMIT,
          ApStoreSettings.SNAPSHOT_EVERY_RECORDS_MIN));
    }
  }

  enum Fate { PENDING, ACKNOWLEDGED, SURVIVED, LOST }

  enum Kind {
    LWW, LWW_DELETE, MV, MV_DELETE, MANUAL_WRITE, MANUAL_RESOLVE, MANUAL_DELETE, COUNTER, SET_ADD, SET_REMOVE,
    SET_CLEAR;

    boolean isDelete() {
      return this == LWW_DELETE || this == MV_DELETE || this == MANUAL_DELETE;
    }
  }

  /** One operation issued at a node, and what became of it. */
  static final class Op {
    final int id;
    final NodeId node;
    final int incarnation;
    final long atMs;
    final Kind kind;
    final ApKey key;
    final String value;
    final long delta;
    long index;
    Hlc stamp;
    /** A register write's own sibling clock (multi-value and MANUAL), its identity in histories. */
    Stamp siblingClock;
    /** The register values the operation replaced or deleted, as its node saw them. */
    Set<String> replaced = Set.of();
    Dot newDot;
    Set<Dot> observed = Set.of();
    Fate fate = Fate.PENDING;

    Op(int id, NodeId node, int incarnation, long atMs, Kind kind, ApKey key, String value, long delta) {
      this.id = id;
      this.node = node;
      this.incarnation = incarnation;
      this.atMs = atMs;
      this.kind = kind;
      this.key = key;
      this.value = value;
      this.delta = delta;
    }

    boolean happened() {
      return fate == Fate.ACKNOWLEDGED || fate == Fate.SURVIVED;
    }

    @Override
    public String toString() {
      return "op#" + id + " " + kind + " " + key.keyspace() + "/" + key.key() + " " + (value != null ? value : delta)
          + " at " + node + "#" + incarnation + " t=" + atMs + "ms wal#" + index + (stamp != null ? " @" + stamp : "")
        + " " + fate;
    }
  }

  private record Event(long atMs, long seq, Runnable action) {}

  private final class Node {
    final NodeId id;
    final long clockOffsetMs;
    final SimWal.Disk disk = new SimWal.Disk();
    int incarnation;
    boolean alive;
    SimWal wal;
    ApStore store;
    ApReplicator replicator;
    ApPeerEndpoint endpoint;
    CompletableFuture<Void> round = CompletableFuture.completedFuture(null);

    Node(NodeId id, long clockOffsetMs) {
      this.id = id;
      this.clockOffsetMs = clockOffsetMs;
    }

    long wallMs() {
      return nowMs + clockOffsetMs;
    }
  }

  static final ApReplicationSettings SETTINGS = new ApReplicationSettings(Duration.ofMillis(100),
      Duration.ofMillis(1000), 4, 4, 1, Duration.ofMillis(200), Duration.ofMillis(2000), Duration.ofMillis(500));

  private final Config config;
  private final Random random;
  private final ApProtocol protocol = new ApProtocol(new ObjectMapper());
  private final PriorityQueue<Event> queue = new PriorityQueue<>(
      (a, b) -> a.atMs != b.atMs ? Long.compare(a.atMs, b.atMs) : Long.compare(a.seq, b.seq));
  private final List<Node> nodes = new ArrayList<>();
  private final Map<NodeId, Node> byId = new HashMap<>();
  private final List<Op> ops = new ArrayList<>();
  private final List<String> anomalies = new ArrayList<>();
  private long nowMs;
  private long seq;
  private final int[] side;
  private boolean partitioned;
  private double loss;
  private boolean writing;
  private boolean faults;
  private long messages;
  private long crashes;
  private long snapshots;
  /** Every superseded value any node's audit sink received, as {@code keyspace/key=value}. */
  private final Set<String> audited = new HashSet<>();

  ApSimulation(Config config) {
    this.config = config;
    this.random = new Random(config.seed());
    for (int i = 1; i <= config.nodes(); i++) {
      Node n = new Node(NodeId.of("n" + i), random.nextInt(201) - 100);
      nodes.add(n);
      byId.put(n.id, n);
    }
    side = new int[config.nodes()];
  }

  // ---- the run ----------------------------------------------------------------------------------

  /** Runs the scenario to quiescence; returns false if it did not converge within the deadline. */
  boolean run() {
    nodes.forEach(this::start);
    for (Node n : nodes) {
      // A loaded disk: an fsync every 5-40 ms, so crashes find unsynced records.
      every(n, 1 + random.nextInt(20), () -> n.wal.sync(), 5, 40);
      every(n, random.nextInt(100), () -> startRound(n, false), 100, 101);
      every(n, random.nextInt(1000), () -> startRound(n, true), 1000, 1001);
    }
    writing = true;
    loss = config.loss();
    scheduleWrite();
    runUntil(2_000);
    // The partition: two non-empty sides.
    partitioned = true;
    faults = true;
    int cut = 1 + random.nextInt(config.nodes() - 1);
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < config.nodes(); i++) {
      order.add(i);
    }
    java.util.Collections.shuffle(order, random);
    for (int i = 0; i < order.size(); i++) {
      side[order.get(i)] = i < cut ? 0 : 1;
    }
    scheduleCrash();
    runUntil(8_000);
    faults = false;
    partitioned = false; // the heal
    runUntil(9_000);
    writing = false;
    loss = config.loss() / 2; // a lossy network still has to converge
    // Crashed nodes come back before the heal's deadline (their restarts are scheduled).
    for (long deadline = nowMs + 300_000; nowMs < deadline; ) {
      runUntil(nowMs + 1_000 + random.nextInt(100));
      if (quiescent()) {
        return true;
      }
    }
    return false;
  }

  private void runUntil(long untilMs) {
    while (!queue.isEmpty() && queue.peek().atMs() <= untilMs) {
      Event e = queue.poll();
      nowMs = e.atMs();
      e.action().run();
    }
    nowMs = untilMs;
  }

  private void at(long atMs, Runnable action) {
    queue.add(new Event(atMs, seq++, action));
  }

  /** Runs {@code action} on {@code node} while it is alive, at random periods in [min, max). */
  private void every(Node node, long firstMs, Runnable action, int minMs, int maxMs) {
    at(nowMs + firstMs, () -> {
      if (node.alive) {
        action.run();
      }
      every(node, minMs + random.nextInt(maxMs - minMs), action, minMs, maxMs);
    });
  }

  private void startRound(Node n, boolean antiEntropy) {
    // One round at a time per node, as on the node's single replication thread.
    if (!n.round.isDone()) {
      return;
    }
    n.round = antiEntropy ? n.replicator.antiEntropyRound() : n.replicator.pushRound();
  }

  private void start(Node n) {
    n.incarnation++;
    n.wal = new SimWal(n.disk, config.acknowledgeBeforeSync());
    try {
      int incarnation = n.incarnation;
      n.store = ApStore.open(n.id, n.wal, HlcSettings.of(n.id), n::wallMs,
          (ks, s) -> audited.add(ks + "/" + s.key() + "=" + s.value()), config.store(),
          // A snapshot's write is an event of its own, a little later; a dead incarnation writes nothing.
          task -> at(nowMs + 1 + random.nextInt(20), () -> {
            if (n.alive && n.incarnation == incarnation) {
              snapshots++;
              task.run();
            }
          }));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    n.endpoint = new ApPeerEndpoint(n.store, byId::containsKey, protocol);
    List<NodeId> peers = nodes.stream().map(x -> x.id).filter(id -> !id.equals(n.id)).toList();
    n.replicator = new ApReplicator(n.id, peers, n.store, channel(n, n.incarnation),
        peer -> linkUp(n.id, peer), SETTINGS, n::wallMs, new SimpleMeterRegistry());
    n.round = CompletableFuture.completedFuture(null);
    n.alive = true;
  }

  private void crash(Node n) {
    long kept = n.wal.crash(random);
    for (Op op : ops) {
      if (op.node.equals(n.id) && op.incarnation == n.incarnation && op.fate == Fate.PENDING) {
        op.fate = op.index <= kept ? Fate.SURVIVED : Fate.LOST;
      }
    }
    n.alive = false;
    crashes++;
  }

  private void crashAndRestart(Node n) {
    if (n.alive) {
      crash(n);
      at(nowMs + 50 + random.nextInt(1000), () -> start(n));
    }
  }

  private void scheduleCrash() {
    at(nowMs + 100 + random.nextInt(300), () -> {
      if (!faults) {
        return;
      }
      crashAndRestart(nodes.get(random.nextInt(nodes.size())));
      scheduleCrash();
    });
  }

  // ---- the network -----------------------------------------------------------------------------

  private boolean linkUp(NodeId a, NodeId b) {
    return !partitioned || side[index(a)] == side[index(b)];
  }

  private int index(NodeId id) {
    return nodes.indexOf(byId.get(id));
  }

  private boolean delivered(NodeId from, NodeId to) {
    return linkUp(from, to) && random.nextDouble() >= loss;
  }

  private long delayMs() {
    return 1 + random.nextInt(20);
  }

  /** The network as one incarnation of a node sees it: nothing is sent or answered once it died. */
  private ApChannel channel(Node from, int incarnation) {
    return (peer, op, request) -> {
      CompletableFuture<byte[]> answer = new CompletableFuture<>();
      if (!from.alive || from.incarnation != incarnation) {
        return answer;
      }
      messages++;
      if (faults && op == ApProtocol.Operation.MERGE && from.wal.hasUnsynced() && random.nextInt(5) == 0) {
        // The adversarial moment: a node dies just after sending states while its log has unsynced
        // records, so anything it sent beyond its durable state would outlive it.
        at(nowMs + random.nextInt(3), () -> crashAndRestart(from));
      }
      at(nowMs + SETTINGS.requestTimeout().toMillis(), () -> {
        if (from.alive && from.incarnation == incarnation) {
          answer.completeExceptionally(new TimeoutException(op + " to " + peer + " timed out"));
        }
      });
      if (!delivered(from.id, peer)) {
        return answer;
      }
      at(nowMs + delayMs(), () -> {
        Node to = byId.get(peer);
        if (!to.alive) {
          return;
        }
        CompletableFuture<byte[]> served;
        try {
          served = to.endpoint.handle(op, request);
        } catch (IllegalArgumentException e) {
          anomalies.add("t=" + nowMs + "ms " + peer + " refused a " + op + " from " + from.id + ": " + e.getMessage());
          served = CompletableFuture.failedFuture(e);
        }
        served.whenComplete((bytes, error) -> {
          if (op == ApProtocol.Operation.MERGE && bytes != null) {
            ApStore.MergeReport r = protocol.decodeMergeReport(bytes);
            if (r.refusedType() > 0 || r.refusedClock() > 0) {
              anomalies.add("t=" + nowMs + "ms " + peer + " refused values from " + from.id + ": " + r);
            }
          }
          if (!delivered(peer, from.id)) {
            return;
          }
          at(nowMs + delayMs(), () -> {
            if (from.alive && from.incarnation == incarnation) {
              if (error != null) {
                answer.completeExceptionally(error);
              } else {
                answer.complete(bytes);
              }
            }
          });
        });
      });
      return answer;
    };
  }

  // ---- writes ----------------------------------------------------------------------------------

  private void scheduleWrite() {
    at(nowMs + random.nextInt(4), () -> {
      if (!writing) {
        return;
      }
      Node n = nodes.get(random.nextInt(nodes.size()));
      if (n.alive) {
        write(n);
      }
      scheduleWrite();
    });
  }

  private void write(Node n) {
    int id = ops.size();
    String value = n.id.value() + "-w" + id;
    int choice = random.nextInt(100);
    Op op;
    CompletableFuture<?> done;
    try {
      if (choice < 25) {
        ApKey key = new ApKey(LWW, "k" + random.nextInt(6));
        boolean delete = random.nextInt(5) == 0;
        op = new Op(id, n.id, n.incarnation, nowMs, delete ? Kind.LWW_DELETE : Kind.LWW, key, delete ? null : value, 0);
        done = delete ? n.store.deleteLww(LWW, key.key()) : n.store.writeLww(LWW, key.key(), value);
        op.stamp = ((LwwRegister) state(n, key)).stamp();
      } else if (choice < 45) {
        ApKey key = new ApKey(CRDT, "r" + random.nextInt(5));
        Set<String> before = registerValues(state(n, key));
        if (random.nextInt(5) == 0) {
          Optional<CompletableFuture<ApStore.Deletion>> deleted = n.store.deleteMv(CRDT, key.key());
          if (deleted.isEmpty()) {
            return; // nothing to delete here: nothing written
          }
          op = new Op(id, n.id, n.incarnation, nowMs, Kind.MV_DELETE, key, null, 0);
          done = deleted.get();
        } else {
          op = new Op(id, n.id, n.incarnation, nowMs, Kind.MV, key, value, 0);
          done = n.store.writeMv(CRDT, key.key(), value);
          op.siblingClock = ownSibling(n, key, value);
        }
        op.replaced = before;
      } else if (choice < 60) {
        long delta = random.nextInt(9) - 3;
        delta = delta == 0 ? 7 : delta;
        op = new Op(id, n.id, n.incarnation, nowMs, Kind.COUNTER, new ApKey(CRDT, "c" + random.nextInt(3)), null, delta);
        done = n.store.addToCounter(CRDT, op.key.key(), delta);
      } else if (choice < 80) {
        ApKey key = new ApKey(CRDT, "s" + random.nextInt(3));
        String element = "e" + random.nextInt(4);
        int what = random.nextInt(20);
        if (what == 0) {
          Set<Dot> all = state(n, key) == null ? Set.of() : new TreeSet<>(((OrSet) state(n, key)).dots().keySet());
          Optional<CompletableFuture<OrSet>> cleared = n.store.clearSet(CRDT, key.key());
          if (cleared.isEmpty()) {
            return;
          }
          op = new Op(id, n.id, n.incarnation, nowMs, Kind.SET_CLEAR, key, null, 0);
          op.observed = all;
          done = cleared.get();
        } else {
          boolean add = what < 12;
          op = new Op(id, n.id, n.incarnation, nowMs, add ? Kind.SET_ADD : Kind.SET_REMOVE, key, element, 0);
          op.observed = dotsOf(state(n, key), element);
          done = n.store.updateSet(CRDT, key.key(), add ? List.of(element) : List.of(), add ? List.of() : List.of(element));
          if (add) {
            Set<Dot> after = dotsOf(state(n, key), element);
            if (after.size() != 1) {
              throw new AssertionError("an add leaves one dot of its element, got " + after);
            }
            op.newDot = after.iterator().next();
          }
        }
      } else {
        ApKey key = new ApKey(MANUAL, "m" + random.nextInt(5));
        Set<String> before = registerValues(state(n, key));
        try {
          if (random.nextInt(6) == 0) {
            Optional<CompletableFuture<ApStore.Deletion>> deleted = n.store.deleteManual(MANUAL, key.key());
            if (deleted.isEmpty()) {
              return;
            }
            op = new Op(id, n.id, n.incarnation, nowMs, Kind.MANUAL_DELETE, key, null, 0);
            done = deleted.get();
          } else {
            op = new Op(id, n.id, n.incarnation, nowMs, Kind.MANUAL_WRITE, key, value, 0);
            done = n.store.writeManual(MANUAL, key.key(), value);
            op.siblingClock = ownSibling(n, key, value);
          }
        } catch (ApConflictException e) {
          op = new Op(id, n.id, n.incarnation, nowMs, Kind.MANUAL_RESOLVE, key, value, 0);
          done = n.store.resolve(MANUAL, key.key(), value);
          op.siblingClock = ownSibling(n, key, value);
        }
        op.replaced = before;
      }
    } catch (ClockSkewException e) {
      anomalies.add("t=" + nowMs + "ms " + n.id + " refused a write: " + e.getMessage());
      return;
    }
    op.index = n.wal.lastIndex();
    ops.add(op);
    Op recorded = op;
    done.whenComplete((v, error) -> {
      if (error == null && recorded.fate == Fate.PENDING) {
        recorded.fate = Fate.ACKNOWLEDGED;
      }
    });
  }

  /** The state of {@code key} at {@code n}, tombstones and deleted registers included. */
  private static Mergeable<?> state(Node n, ApKey key) {
    return n.store.state(key.keyspace(), key.key()).orElse(null);
  }

  /** The clock of the sibling {@code n} just wrote as {@code value}. */
  private static Stamp ownSibling(Node n, ApKey key, String value) {
    List<Sibling> siblings = state(n, key) instanceof MvRegister m ? m.siblings() : ((ManualRegister) state(n, key)).siblings();
    return siblings.stream().filter(x -> x.value().equals(value)).findFirst().orElseThrow().causalContext();
  }

  private static Set<String> registerValues(Mergeable<?> v) {
    return v == null ? Set.of() : currentValues(v);
  }

  private static Set<Dot> dotsOf(Mergeable<?> set, String element) {
    if (set == null) {
      return Set.of();
    }
    return ((OrSet) set).dots().entrySet().stream().filter(e -> e.getValue().equals(element))
        .map(Map.Entry::getKey).collect(Collectors.toCollection(TreeSet::new));
  }

  // ---- convergence and checks ----------------------------------------------------------------

  private boolean quiescent() {
    for (Node n : nodes) {
      // A round in flight is fine (an anti-entropy round of equal trees is one digest exchange).
      if (!n.alive || n.wal.hasUnsynced()) {
        return false;
      }
      if (n.replicator.status().pending().values().stream().anyMatch(p -> p > 0)) {
        return false;
      }
    }
    byte[] root = nodes.get(0).store.tree(256).root();
    return nodes.stream().allMatch(n -> Arrays.equals(root, n.store.tree(256).root()));
  }

  /** Every violated property, one line each; empty when the run is correct. */
  List<String> check() {
    List<String> out = new ArrayList<>(anomalies);
    for (Op op : ops) {
      if (op.fate == Fate.PENDING) {
        out.add("never acknowledged although every node is up and synced: " + op);
      }
    }
    // 1. Identical state everywhere.
    Node first = nodes.get(0);
    Map<ApKey, String> reference = encodings(first);
    for (Node n : nodes) {
      Map<ApKey, String> mine = encodings(n);
      if (!mine.equals(reference)) {
        Set<ApKey> differing = new TreeSet<>();
        differing.addAll(mine.keySet());
        differing.addAll(reference.keySet());
        differing.removeIf(k -> java.util.Objects.equals(mine.get(k), reference.get(k)));
        out.add(n.id + " differs from " + first.id + " at " + differing);
      }
    }
    // 2. Quiescent, so every record is durable: what replication sends is what each node shows.
    for (Node n : nodes) {
      Set<ApKey> keys = new TreeSet<>();
      ops.forEach(op -> keys.add(op.key));
      for (ApStore.Entry e : n.store.entries(keys)) {
        Mergeable<?> shown = n.store.state(e.keyspace(), e.value().key()).orElse(null);
        List<Superseded> history = n.store.history(e.keyspace(), e.value().key());
        if (!e.value().equals(shown) || !e.history().equals(history)) {
          out.add(n.id + " " + e.key() + ": its durable view " + e.value() + " " + e.history()
              + " differs from its state " + shown + " " + history);
        }
      }
    }
    // 3. Per key, against the record of operations.
    Map<ApKey, List<Op>> byKey = new TreeMap<>();
    ops.forEach(op -> byKey.computeIfAbsent(op.key, k -> new ArrayList<>()).add(op));
    for (Node n : nodes) {
      byKey.forEach((key, keyOps) -> checkKey(n, key, keyOps, out));
    }
    return out;
  }

  /** Every key's state at {@code n} as bytes, tombstones and deleted registers included. */
  private Map<ApKey, String> encodings(Node n) {
    Map<ApKey, String> out = new TreeMap<>();
    for (Op op : ops) {
      n.store.state(op.key.keyspace(), op.key.key())
          .ifPresent(v -> out.put(op.key, java.util.HexFormat.of().formatHex(ApCodec.encodeValue(v))));
    }
    return out;
  }

  /**
   * The per-key properties at {@code n}. For registers:
   *
   * <ul>
   *   <li>a write that happened is current, or superseded: while no node's bounded history of the
   *       key let a value go (no watermark anywhere), it is in this node's history; once some did,
   *       some node still knows it (holds it, or its stamp is at or below that node's watermark).
   *       Not every node: a history travels only with a changed state, and the sender may have
   *       let the value go already. Not the audit log either: a record on disk whose fsync was not
   *       acknowledged before a crash is replayed without its audit lines;
   *   <li>a lost write is none of these, and no audit log has it;
   *   <li>a value a happened write or delete replaced (as its node saw the key) is never current;
   *   <li>LWW holds the happened write or delete with the highest stamp; a value above which only
   *       deletes happened was not {@code OVERWRITTEN}, one above which no delete happened was not
   *       {@code DELETED} (a loser in a merge is {@code LWW_OLDER} either way).
   * </ul>
   *
   * <p>Counters hold exactly the happened deltas; OR-sets exactly the happened adds that no
   * happened remove or clear observed.
   */
  private void checkKey(Node n, ApKey key, List<Op> keyOps, List<String> out) {
    Optional<Mergeable<?>> value = n.store.state(key.keyspace(), key.key());
    List<Superseded> history = n.store.history(key.keyspace(), key.key());
    Map<String, Superseded> byValue = new HashMap<>();
    history.forEach(h -> byValue.put(h.value(), h));
    boolean bounded = nodes.stream().anyMatch(x -> x.store.historyWatermark(key.keyspace(), key.key()).isPresent());
    String where = n.id + " " + key.keyspace() + "/" + key.key();
    if (keyOps.stream().anyMatch(Op::happened) && value.isEmpty()) {
      out.add(where + ": missing although " + keyOps.stream().filter(Op::happened).findFirst().get() + " happened");
      return;
    }
    if (value.isEmpty()) {
      return;
    }
    Mergeable<?> v = value.get();
    if (v instanceof LwwRegister || v instanceof MvRegister || v instanceof ManualRegister) {
      Set<String> current = v instanceof LwwRegister l && l.deleted() ? Set.of() : currentValues(v);
      for (Op op : keyOps) {
        if (op.kind.isDelete()) {
          continue;
        }
        Stamp stamp = op.stamp != null ? op.stamp : op.siblingClock;
        boolean inHistory = byValue.containsKey(op.value);
        boolean wasAudited = audited.contains(key.keyspace() + "/" + key.key() + "=" + op.value);
        if (op.happened() && !current.contains(op.value) && !inHistory && (!bounded || !knownSomewhere(key, stamp))) {
          out.add(where + ": " + op + " is neither current " + current + " nor in the history"
              + (bounded ? " nor known to any node's bounded history" : ""));
        }
        if (op.fate == Fate.LOST && (current.contains(op.value) || inHistory || wasAudited)) {
          out.add(where + ": " + op + " was lost in a crash but reached " + (current.contains(op.value)
              ? "the current value" : inHistory ? "the history" : "an audit log"));
        }
        if (op.happened()) {
          for (String gone : op.replaced) {
            if (current.contains(gone)) {
              out.add(where + ": " + gone + " is current although " + op + " replaced it");
            }
          }
        }
      }
      for (Op op : keyOps) {
        if (op.happened() && op.kind.isDelete()) {
          for (String gone : op.replaced) {
            if (current.contains(gone)) {
              out.add(where + ": " + gone + " is current although " + op + " deleted it");
            }
          }
        }
      }
      if (v instanceof LwwRegister l) {
        checkLww(where, l, keyOps, byValue, out);
      }
    } else if (v instanceof PnCounter c) {
      for (Node writer : nodes) {
        long inc = keyOps.stream().filter(op -> op.happened() && op.node.equals(writer.id) && op.delta > 0)
            .mapToLong(op -> op.delta).sum();
        long dec = keyOps.stream().filter(op -> op.happened() && op.node.equals(writer.id) && op.delta < 0)
            .mapToLong(op -> -op.delta).sum();
        PnCounter.Totals t = c.totals().getOrDefault(writer.id, new PnCounter.Totals(0, 0));
        if (t.increments() != inc || t.decrements() != dec) {
          out.add(where + ": " + writer.id + "'s totals are " + t + " but its acknowledged or surviving deltas sum to +"
              + inc + "/-" + dec);
        }
      }
    } else if (v instanceof OrSet s) {
      Map<Dot, String> expected = new TreeMap<>();
      Set<Dot> killed = new HashSet<>();
      for (Op op : keyOps) {
        if (op.happened()) {
          killed.addAll(op.observed);
          if (op.newDot != null) {
            expected.put(op.newDot, op.value);
          }
        }
      }
      killed.forEach(expected::remove);
      if (!expected.equals(new TreeMap<>(s.dots()))) {
        out.add(where + ": OR-set holds " + s.dots() + " but add-wins over the surviving operations gives " + expected);
      }
    }
  }

  /** Whether some node's bounded history of {@code key} holds the value stamped {@code stamp} or is past it. */
  private boolean knownSomewhere(ApKey key, Stamp stamp) {
    for (Node n : nodes) {
      Optional<Stamp> mark = n.store.historyWatermark(key.keyspace(), key.key());
      if ((mark.isPresent() && StampOrder.compare(stamp, mark.get()) <= 0)
          || n.store.history(key.keyspace(), key.key()).stream().anyMatch(h -> h.clock().equals(stamp))) {
        return true;
      }
    }
    return false;
  }

  /** LWW: the highest happened stamp decides, and a value only deletes outdated is recorded as deleted. */
  private void checkLww(String where, LwwRegister l, List<Op> keyOps, Map<String, Superseded> history,
      List<String> out) {
    List<Op> happened = keyOps.stream().filter(Op::happened).sorted((a, b) -> a.stamp.compareTo(b.stamp)).toList();
    if (happened.isEmpty()) {
      return;
    }
    Op winner = happened.get(happened.size() - 1);
    boolean winnerDeletes = winner.kind == Kind.LWW_DELETE;
    if (!winner.stamp.equals(l.stamp()) || winnerDeletes != l.deleted() || (!winnerDeletes && !winner.value.equals(l.value()))) {
      out.add(where + ": LWW holds " + (l.deleted() ? "a tombstone" : l.value()) + " @" + l.stamp()
          + ", not the highest stamp " + winner);
    }
    for (int i = 0; i < happened.size() - 1; i++) {
      Op op = happened.get(i);
      Superseded h = history.get(op.value);
      if (op.kind == Kind.LWW && h != null) {
        List<Op> above = happened.subList(i + 1, happened.size());
        if (above.stream().allMatch(later -> later.kind == Kind.LWW_DELETE) && h.reason() == SupersedeReason.OVERWRITTEN) {
          out.add(where + ": " + op + " is in the history as OVERWRITTEN although only deletes outdated it");
        }
        if (above.stream().noneMatch(later -> later.kind == Kind.LWW_DELETE) && h.reason() == SupersedeReason.DELETED) {
          out.add(where + ": " + op + " is in the history as DELETED although no delete outdated it");
        }
      }
    }
  }

  private static Set<String> currentValues(Mergeable<?> v) {
    if (v instanceof LwwRegister l) {
      return Set.of(l.value());
    }
    List<Sibling> siblings = v instanceof MvRegister m ? m.siblings() : ((ManualRegister) v).siblings();
    return siblings.stream().map(Sibling::value).collect(Collectors.toSet());
  }

  /** A one-line summary of the run, for the test's output. */
  String summary() {
    Map<Fate, Long> fates = ops.stream().collect(Collectors.groupingBy(op -> op.fate, TreeMap::new, Collectors.counting()));
    Map<Kind, Long> kinds = ops.stream().collect(Collectors.groupingBy(op -> op.kind, TreeMap::new, Collectors.counting()));
    return "nodes=" + config.nodes() + " ops=" + ops.size() + " " + fates + " " + kinds + " crashes=" + crashes
        + " snapshotWrites=" + snapshots + " messages=" + messages + " simulated=" + nowMs + "ms";
  }

  /** Why the run is not quiescent: per node, what is still outstanding. */
  String diagnosis() {
    StringBuilder out = new StringBuilder();
    for (Node n : nodes) {
      out.append("\n  ").append(n.id).append(n.alive ? " up" : " down").append(" unsynced=").append(n.wal.hasUnsynced())
          .append(" roundDone=").append(n.round.isDone()).append(" ").append(n.replicator.status().pending())
          .append(" root=").append(java.util.HexFormat.of().formatHex(n.store.tree(256).root()).substring(0, 12));
    }
    return out.toString();
  }

  /** The operations, for a failure report. */
  List<Op> ops() {
    return List.copyOf(ops);
  }
}
