package io.splitguard.server.ap;

import io.splitguard.core.ap.clock.Hlc;
import io.splitguard.core.ap.clock.HlcClock;
import io.splitguard.core.ap.clock.HlcResult;
import io.splitguard.core.ap.clock.HlcSettings;
import io.splitguard.core.ap.clock.VectorClock;
import io.splitguard.core.ap.codec.ApCodec;
import io.splitguard.core.ap.crdt.LwwRegister;
import io.splitguard.core.ap.crdt.ManualRegister;
import io.splitguard.core.ap.crdt.MergeOutcome;
import io.splitguard.core.ap.crdt.Mergeable;
import io.splitguard.core.ap.crdt.MvRegister;
import io.splitguard.core.ap.crdt.OrSet;
import io.splitguard.core.ap.crdt.PnCounter;
import io.splitguard.core.ap.crdt.Superseded;
import io.splitguard.core.ap.merkle.MerkleTree;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.codec.Framing;
import io.splitguard.wal.FileWal;
import io.splitguard.wal.Wal;
import io.splitguard.wal.WalRecord;
import io.splitguard.wal.WalSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node-local store of AP values: writable on any side of a partition, durable through the
 * node's own write-ahead log ({@code splitguard-wal}), and merged with what peers send.
 *
 * <p><b>Durability.</b> Every mutation (a local write, or a merge that changed a key) is one WAL
 * record holding the key's whole new state and the values the mutation superseded. Futures
 * returned here complete only after that record is fsynced; only then are the superseded values
 * written to the audit log and the change announced to listeners (the replicator), so no peer
 * ever receives a state this node could lose. Reopening replays the log: each record's state
 * replaces the key's, in log order, which rebuilds exactly the acknowledged state.
 *
 * <p><b>Superseded values.</b> Kept per key (for {@code /history}) and audited once per {@code
 * (keyspace, key, clock)}: merges can report the same loser again (anti-entropy repeats itself),
 * and the set of audited identities is rebuilt from the log on restart. A crash after the fsync and
 * before the audit line is written loses that audit line only; the history keeps the value.
 *
 * <p><b>Clock.</b> LWW writes are stamped by this node's hybrid logical clock; a wall clock too
 * far behind what the clock has seen makes the write fail with {@link
 * io.splitguard.core.ap.clock.ClockSkewException} (nothing changes). A received LWW value stamped
 * too far ahead of the local wall clock is not applied (counted in {@link MergeReport}), so one
 * bad clock cannot drag every stamp forward.
 *
 * <p>Thread-safe: state changes and WAL appends happen under one lock (so log order is apply
 * order); waiting for the fsync happens outside it, which lets concurrent writers share one fsync.
 */
public final class ApStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApStore.class);
  private static final byte RECORD_MUTATION = 1;
  private static final byte SNAPSHOT_FORMAT = 1;

  /**
   * Log records replayed at open beyond which the store writes a snapshot and lets the log drop
   * the records it covers, so start-up replay stays bounded across restarts.
   */
  public static final int SNAPSHOT_AFTER_RECORDS = 10_000;

  /** Where superseded values go (the node's audit log). */
  @FunctionalInterface
  public interface SupersededSink {
    /** Records one superseded value of {@code keyspace}. Called once per (keyspace, key, clock). */
    void superseded(String keyspace, Superseded value);
  }

  /** Told about every durable change to a key. */
  @FunctionalInterface
  public interface ChangeListener {
    /**
     * {@code key} changed durably.
     *
     * @param origin the peer whose state was merged in, if the change came from one
     */
    void changed(ApKey key, Optional<NodeId> origin);
  }

  /**
   * A value with its keyspace and the values the key superseded, as replicated. The history
   * travels with the state so that every node can show every superseded value of a key, not only
   * the ones its own merges dropped.
   *
   * @param keyspace the keyspace
   * @param value the value (its key is the key within the keyspace)
   * @param history values superseded for this key, as far as the sender knows
   */
  public record Entry(String keyspace, Mergeable<?> value, List<Superseded> history) {
    /** Copies the history. */
    public Entry {
      history = List.copyOf(history);
    }

    /** An entry without history. */
    public Entry(String keyspace, Mergeable<?> value) {
      this(keyspace, value, List.of());
    }

    /** The value's identity. */
    public ApKey key() {
      return new ApKey(keyspace, value.key());
    }
  }

  /**
   * What a merge of received entries did.
   *
   * @param changed keys whose state changed
   * @param unchanged keys already up to date here
   * @param refusedClock LWW values refused because their stamp is too far ahead of the local clock
   * @param refusedType values of a different type than the key holds here (left as they are)
   */
  public record MergeReport(int changed, int unchanged, int refusedClock, int refusedType) {}

  private final NodeId self;
  private final Wal wal;
  private final LongSupplier wallClockMs;
  private final SupersededSink sink;
  private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();
  private final TreeMap<ApKey, Mergeable<?>> values = new TreeMap<>();
  private final Map<ApKey, List<Superseded>> history = new HashMap<>();
  private final Set<String> audited = new HashSet<>();
  private final DurableView durableView = new DurableView();
  private HlcClock clock;

  private ApStore(NodeId self, Wal wal, HlcSettings hlc, LongSupplier wallClockMs, SupersededSink sink) {
    this.self = self;
    this.wal = wal;
    this.wallClockMs = wallClockMs;
    this.sink = sink;
    this.clock = new HlcClock(hlc);
  }

  /**
   * Opens the store in {@code directory} (created if needed) and replays its log.
   *
   * @throws IOException if the log cannot be opened or holds an undecodable record
   */
  public static ApStore open(
      NodeId self, Path directory, HlcSettings hlc, LongSupplier wallClockMs, SupersededSink sink)
      throws IOException {
    return open(self, FileWal.open(WalSettings.of(directory)), hlc, wallClockMs, sink);
  }

  /**
   * Opens the store on {@code wal} (any {@link Wal}: the node's {@link FileWal}, or a simulated one
   * in tests) and replays it. The store owns the log from then on and closes it.
   *
   * @throws IOException if the log holds an undecodable record
   */
  public static ApStore open(NodeId self, Wal wal, HlcSettings hlc, LongSupplier wallClockMs, SupersededSink sink)
      throws IOException {
    ApStore store = new ApStore(self, wal, hlc, wallClockMs, sink);
    try {
      int replayed = store.replay(hlc);
      if (replayed > SNAPSHOT_AFTER_RECORDS) {
        store.snapshot();
      }
    } catch (IOException | RuntimeException e) {
      wal.close();
      throw e;
    }
    return store;
  }

  /** Replays the snapshot and the log; returns the number of log records replayed. */
  private int replay(HlcSettings hlc) throws IOException {
    Hlc highest = null;
    long next = wal.firstIndex();
    if (wal.latestSnapshot().isPresent()) {
      io.splitguard.wal.WalSnapshot snap = wal.latestSnapshot().get();
      for (Mutation m : decodeSnapshot(snap.state())) {
        ApKey key = new ApKey(m.keyspace(), m.value().key());
        values.put(key, m.value());
        durableView.durable(key, snap.index(), m.value());
        highest = max(highest, m.value());
        for (Superseded s : m.superseded()) {
          rememberDurable(key, s);
          if (s.clock() instanceof Hlc h && (highest == null || h.compareTo(highest) > 0)) {
            highest = h;
          }
        }
      }
      next = Math.max(next, snap.index() + 1);
    }
    int records = 0;
    while (true) {
      List<WalRecord> batch = wal.read(next, 1024);
      if (batch.isEmpty()) {
        break;
      }
      for (WalRecord r : batch) {
        Mutation m;
        try {
          m = decode(r.payload());
        } catch (IllegalArgumentException e) {
          throw new IOException("AP log record " + r.index() + " is undecodable: " + e.getMessage(), e);
        }
        ApKey key = new ApKey(m.keyspace(), m.value().key());
        values.put(key, m.value());
        durableView.durable(key, r.index(), m.value());
        highest = max(highest, m.value());
        for (Superseded s : m.superseded()) {
          rememberDurable(key, s);
          if (s.clock() instanceof Hlc h && (highest == null || h.compareTo(highest) > 0)) {
            highest = h;
          }
        }
        next = r.index() + 1;
        records++;
      }
    }
    if (highest != null) {
      clock = HlcClock.restored(hlc, highest);
    }
    LOG.info("event=ap_store_opened node={} records={} keys={} recovery={}", self, records, values.size(),
        wal.recovery());
    return records;
  }

  /**
   * Writes a snapshot of every key's state and history at the log's durable end, after which the
   * log drops the records it covers. Called at open (nothing is in flight then); writes wait.
   */
  public synchronized void snapshot() throws IOException {
    long index = wal.durableIndex();
    if (index == 0) {
      return;
    }
    List<Mutation> all = new ArrayList<>(values.size());
    values.forEach((k, v) -> all.add(new Mutation(k.keyspace(), v, history.getOrDefault(k, List.of()))));
    byte[] state = Framing.write(out -> {
      out.writeByte(SNAPSHOT_FORMAT);
      out.writeInt(all.size());
      for (Mutation m : all) {
        byte[] b = encode(m);
        out.writeInt(b.length);
        out.write(b);
      }
    });
    wal.snapshot(index, state);
    LOG.info("event=ap_snapshot_written node={} index={} keys={} bytes={}", self, index, all.size(), state.length);
  }

  private static List<Mutation> decodeSnapshot(byte[] state) throws IOException {
    try {
      return Framing.read(state, in -> {
        byte format = in.readByte();
        if (format != SNAPSHOT_FORMAT) {
          throw new IOException("unknown AP snapshot format " + format);
        }
        int n = in.readInt();
        if (n < 0) {
          throw new IOException("negative key count");
        }
        List<Mutation> out = new ArrayList<>(Math.min(n, 1 << 16));
        for (int i = 0; i < n; i++) {
          out.add(decode(bytes(in)));
        }
        return out;
      });
    } catch (IllegalArgumentException e) {
      throw new IOException("AP snapshot is undecodable: " + e.getMessage(), e);
    }
  }

  private static Hlc max(Hlc highest, Mergeable<?> value) {
    if (value instanceof LwwRegister l && (highest == null || l.stamp().compareTo(highest) > 0)) {
      return l.stamp();
    }
    return highest;
  }

  /** Adds a listener for durable changes. */
  public void addListener(ChangeListener listener) {
    listeners.add(listener);
  }

  // ---- local writes ----------------------------------------------------------------------------

  /**
   * Writes an LWW value stamped by this node's clock.
   *
   * @throws io.splitguard.core.ap.clock.ClockSkewException if the clock refuses to stamp
   * @throws ApTypeException if the key holds another type
   */
  public CompletableFuture<LwwRegister> writeLww(String keyspace, String key, String value) {
    ApKey k = new ApKey(keyspace, key);
    Pending<LwwRegister> p;
    synchronized (this) {
      LwwRegister current = typed(k, LwwRegister.class, "LWW register");
      Hlc stamp = clock.now(wallClockMs.getAsLong()).orThrow();
      MergeOutcome<LwwRegister> out = current == null
          ? new MergeOutcome.Clean<>(new LwwRegister(key, value, stamp)) : current.write(value, stamp);
      p = install(k, out.merged(), out.superseded());
    }
    return p.completion(Optional.empty());
  }

  /** Writes a multi-value register (CRDT keyspaces): replaces every sibling seen here. */
  public CompletableFuture<MvRegister> writeMv(String keyspace, String key, String value) {
    ApKey k = new ApKey(keyspace, key);
    Pending<MvRegister> p;
    synchronized (this) {
      MvRegister current = typed(k, MvRegister.class, "multi-value register");
      MergeOutcome<MvRegister> out = (current == null ? MvRegister.empty(key) : current).write(self, value);
      p = install(k, out.merged(), out.superseded());
    }
    return p.completion(Optional.empty());
  }

  /**
   * Writes a MANUAL register.
   *
   * @throws ApConflictException if the key is in conflict (nothing changes)
   */
  public CompletableFuture<ManualRegister> writeManual(String keyspace, String key, String value) {
    ApKey k = new ApKey(keyspace, key);
    Pending<ManualRegister> p;
    synchronized (this) {
      ManualRegister current = typed(k, ManualRegister.class, "manual register");
      ManualRegister.Write w = (current == null ? ManualRegister.empty(key) : current).write(self, value);
      if (w instanceof ManualRegister.Write.RefusedInConflict r) {
        throw new ApConflictException(r.register());
      }
      MergeOutcome<ManualRegister> out = ((ManualRegister.Write.Accepted) w).outcome();
      p = install(k, out.merged(), out.superseded());
    }
    return p.completion(Optional.empty());
  }

  /** Resolves a MANUAL register to {@code value}; every sibling is superseded as RESOLVED. */
  public CompletableFuture<ManualRegister> resolve(String keyspace, String key, String value) {
    ApKey k = new ApKey(keyspace, key);
    Pending<ManualRegister> p;
    synchronized (this) {
      ManualRegister current = typed(k, ManualRegister.class, "manual register");
      MergeOutcome<ManualRegister> out = (current == null ? ManualRegister.empty(key) : current).resolve(self, value);
      p = install(k, out.merged(), out.superseded());
    }
    return p.completion(Optional.empty());
  }

  /**
   * Adds {@code delta} to a PN-counter.
   *
   * @throws ArithmeticException if a total would overflow (nothing changes)
   */
  public CompletableFuture<PnCounter> addToCounter(String keyspace, String name, long delta) {
    ApKey k = new ApKey(keyspace, name);
    Pending<PnCounter> p;
    synchronized (this) {
      PnCounter current = typed(k, PnCounter.class, "counter");
      PnCounter next = (current == null ? PnCounter.empty(name) : current).add(self, delta);
      next.value(); // refuse a counter whose value no longer fits, before anything is stored
      p = install(k, next, List.of());
    }
    return p.completion(Optional.empty());
  }

  /** Adds and removes elements of an add-wins OR-set (adds applied after removes). */
  public CompletableFuture<OrSet> updateSet(String keyspace, String name, List<String> add, List<String> remove) {
    ApKey k = new ApKey(keyspace, name);
    Pending<OrSet> p;
    synchronized (this) {
      OrSet current = typed(k, OrSet.class, "set");
      OrSet next = current == null ? OrSet.empty(name) : current;
      for (String e : remove) {
        next = next.remove(e);
      }
      for (String e : add) {
        next = next.add(self, e);
      }
      p = install(k, next, List.of());
    }
    return p.completion(Optional.empty());
  }

  // ---- merging what peers send -------------------------------------------------------------------

  /**
   * Merges states received from {@code origin}. Completes once every change is durable (and its
   * superseded values audited).
   */
  public CompletableFuture<MergeReport> merge(List<Entry> entries, NodeId origin) {
    int changed = 0;
    int unchanged = 0;
    int refusedClock = 0;
    int refusedType = 0;
    List<Pending<Mergeable<?>>> pending = new ArrayList<>();
    List<Optional<NodeId>> pendingOrigins = new ArrayList<>();
    synchronized (this) {
      for (Entry e : entries) {
        ApKey k = e.key();
        Mergeable<?> incoming = e.value();
        if (incoming instanceof LwwRegister l) {
          HlcResult r = clock.update(l.stamp(), wallClockMs.getAsLong());
          if (r instanceof HlcResult.Refused refused) {
            LOG.warn("event=ap_merge_refused_clock node={} from={} keyspace={} key={} reason={}", self, origin,
                k.keyspace(), k.key(), refused.message());
            refusedClock++;
            continue;
          }
        }
        Mergeable<?> current = values.get(k);
        MergeOutcome<? extends Mergeable<?>> out;
        if (current == null) {
          out = new MergeOutcome.Clean<>(incoming);
        } else {
          try {
            out = mergeAny(current, incoming);
          } catch (IllegalArgumentException | IllegalStateException ex) {
            LOG.error("event=ap_merge_refused node={} from={} keyspace={} key={} error={}", self, origin,
                k.keyspace(), k.key(), ex.getMessage());
            refusedType++;
            continue;
          }
        }
        List<Superseded> fresh = new ArrayList<>();
        for (Superseded s : out.superseded()) {
          if (!audited.contains(identity(k, s))) {
            fresh.add(s);
          }
        }
        for (Superseded s : e.history()) {
          if (!audited.contains(identity(k, s)) && !fresh.contains(s)) {
            fresh.add(s);
          }
        }
        if (out.merged().equals(current) && fresh.isEmpty()) {
          unchanged++;
          continue;
        }
        // The origin already holds this state unless the merge kept something of ours or dropped
        // a value it did not know was dropped; then the result goes back to it as well.
        boolean originCurrent = out.merged().equals(incoming) && out.superseded().isEmpty();
        pending.add(install(k, out.merged(), fresh));
        pendingOrigins.add(originCurrent ? Optional.of(origin) : Optional.empty());
        changed++;
      }
    }
    MergeReport report = new MergeReport(changed, unchanged, refusedClock, refusedType);
    CompletableFuture<?>[] all = new CompletableFuture<?>[pending.size()];
    for (int i = 0; i < all.length; i++) {
      all[i] = pending.get(i).completion(pendingOrigins.get(i));
    }
    return CompletableFuture.allOf(all).thenApply(x -> report);
  }

  /** Merges two values of the same type; a type mismatch is an {@link IllegalArgumentException}. */
  static MergeOutcome<? extends Mergeable<?>> mergeAny(Mergeable<?> a, Mergeable<?> b) {
    // Java 17: no pattern-matching switch; the sealed types are enumerated here.
    if (a instanceof PnCounter x && b instanceof PnCounter y) {
      return x.merge(y);
    }
    if (a instanceof OrSet x && b instanceof OrSet y) {
      return x.merge(y);
    }
    if (a instanceof MvRegister x && b instanceof MvRegister y) {
      return x.merge(y);
    }
    if (a instanceof ManualRegister x && b instanceof ManualRegister y) {
      return x.merge(y);
    }
    if (a instanceof LwwRegister x && b instanceof LwwRegister y) {
      return x.merge(y);
    }
    throw new IllegalArgumentException("cannot merge a " + typeName(b) + " into a " + typeName(a));
  }

  /** The type of a value as the API names it. */
  public static String typeName(Mergeable<?> v) {
    if (v instanceof PnCounter) {
      return "counter";
    }
    if (v instanceof OrSet) {
      return "set";
    }
    if (v instanceof MvRegister) {
      return "multi-value register";
    }
    if (v instanceof ManualRegister) {
      return "manual register";
    }
    return "LWW register";
  }

  // ---- reads -------------------------------------------------------------------------------------

  /** The value of {@code key}, if any. */
  public synchronized Optional<Mergeable<?>> get(String keyspace, String key) {
    return Optional.ofNullable(values.get(new ApKey(keyspace, key)));
  }

  /** The values {@code key} superseded, oldest first. */
  public synchronized List<Superseded> history(String keyspace, String key) {
    return List.copyOf(history.getOrDefault(new ApKey(keyspace, key), List.of()));
  }

  /**
   * The durable states of the given keys that exist here, with their durable histories: what
   * replication sends. A state whose WAL record is not yet acknowledged is never returned (see {@link
   * DurableView}); the key's previous durable state is.
   */
  public synchronized List<Entry> entries(Iterable<ApKey> keys) {
    List<Entry> out = new ArrayList<>();
    for (ApKey k : keys) {
      Optional<Mergeable<?>> v = durableView.get(k);
      if (v.isPresent()) {
        out.add(new Entry(k.keyspace(), v.get(), durableView.history(k)));
      }
    }
    return out;
  }

  /** Every durable value in the given Merkle ranges (of a tree with {@code rangeCount} ranges). */
  public List<Entry> entriesInRanges(Set<Integer> ranges, int rangeCount) {
    return entries(durableView.keysInRanges(ranges, rangeCount));
  }

  /**
   * Per Merkle range asked for, the {@link MerkleTree#keySummary} of each durable key in it, mapped
   * to the key: what a peer compares to find the differing keys of a differing range.
   */
  public Map<Integer, SortedMap<Long, ApKey>> summaries(Set<Integer> ranges, int rangeCount) {
    return durableView.summaries(ranges, rangeCount);
  }

  /** The Merkle tree of this node's durable state, over {@code rangeCount} ranges. */
  public MerkleTree tree(int rangeCount) {
    return durableView.tree(rangeCount);
  }

  /** Number of keys with a durable state here (what replication sizes its digests by). */
  public int durableKeyCount() {
    return durableView.size();
  }

  /** Number of keys per keyspace. */
  public synchronized Map<String, Integer> keyCounts() {
    Map<String, Integer> counts = new TreeMap<>();
    values.keySet().forEach(k -> counts.merge(k.keyspace(), 1, Integer::sum));
    return counts;
  }

  /** Number of MANUAL keys in conflict here. */
  public synchronized int openConflicts() {
    int n = 0;
    for (Mergeable<?> v : values.values()) {
      if (v instanceof ManualRegister m && m.inConflict()) {
        n++;
      }
    }
    return n;
  }

  // ---- internals ---------------------------------------------------------------------------------

  private <T extends Mergeable<T>> T typed(ApKey k, Class<T> type, String wanted) {
    Mergeable<?> current = values.get(k);
    if (current != null && !type.isInstance(current)) {
      throw new ApTypeException(k, typeName(current), wanted);
    }
    return type.cast(current);
  }

  /** Call with the lock held: applies in memory and appends the WAL record. */
  @SuppressWarnings("unchecked")
  private <T> Pending<T> install(ApKey k, Mergeable<?> value, List<Superseded> superseded) {
    byte[] record = encode(new Mutation(k.keyspace(), value, superseded));
    CompletableFuture<Long> durable = wal.append(record);
    values.put(k, value);
    List<Superseded> fresh = new ArrayList<>();
    for (Superseded s : superseded) {
      if (remember(k, s)) {
        fresh.add(s);
      }
    }
    return new Pending<>(k, (T) value, fresh, durable);
  }

  /** Adds to the key's history unless this (key, clock) was seen; true if it is new. */
  private boolean remember(ApKey k, Superseded s) {
    if (!audited.add(identity(k, s))) {
      return false;
    }
    history.computeIfAbsent(k, x -> new ArrayList<>()).add(s);
    return true;
  }

  /** At replay: remembers {@code s} and, as it comes from the durable log, marks it durable. */
  private void rememberDurable(ApKey k, Superseded s) {
    if (remember(k, s)) {
      durableView.durableHistory(k, List.of(s));
    }
  }

  private static String identity(ApKey k, Superseded s) {
    byte[] clockBytes = s.clock() instanceof Hlc h ? ApCodec.encodeHlc(h) : ApCodec.encodeVectorClock((VectorClock) s.clock());
    return k.treeKey() + '\u0000' + HexFormat.of().formatHex(clockBytes);
  }

  /** A mutation applied in memory whose WAL record is being made durable. */
  private final class Pending<T> {
    private final ApKey key;
    private final T value;
    private final List<Superseded> fresh;
    private final CompletableFuture<Long> durable;

    Pending(ApKey key, T value, List<Superseded> fresh, CompletableFuture<Long> durable) {
      this.key = key;
      this.value = value;
      this.fresh = fresh;
      this.durable = durable;
    }

    CompletableFuture<T> completion(Optional<NodeId> origin) {
      return durable.thenApply(index -> {
        ApStore.this.durableView.durable(key, index, (Mergeable<?>) value);
        ApStore.this.durableView.durableHistory(key, fresh);
        for (Superseded s : fresh) {
          sink.superseded(key.keyspace(), s);
        }
        for (ChangeListener l : listeners) {
          try {
            l.changed(key, origin);
          } catch (RuntimeException e) {
            LOG.warn("event=ap_listener_failed node={} error={}", self, e.toString());
          }
        }
        return value;
      });
    }
  }

  record Mutation(String keyspace, Mergeable<?> value, List<Superseded> superseded) {}

  static byte[] encode(Mutation m) {
    return Framing.write(out -> {
      out.writeByte(RECORD_MUTATION);
      Framing.writeString(out, m.keyspace());
      byte[] v = ApCodec.encodeValue(m.value());
      out.writeInt(v.length);
      out.write(v);
      out.writeInt(m.superseded().size());
      for (Superseded s : m.superseded()) {
        byte[] b = ApCodec.encodeSuperseded(s);
        out.writeInt(b.length);
        out.write(b);
      }
    });
  }

  static Mutation decode(byte[] payload) {
    return Framing.read(payload, in -> {
      byte kind = in.readByte();
      if (kind != RECORD_MUTATION) {
        throw new IllegalArgumentException("unknown AP record kind " + kind);
      }
      String keyspace = Framing.readString(in);
      Mergeable<?> value = ApCodec.decodeValue(bytes(in));
      int n = in.readInt();
      if (n < 0 || n > 1 << 20) {
        throw new IOException("bad superseded count " + n);
      }
      List<Superseded> superseded = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        superseded.add(ApCodec.decodeSuperseded(bytes(in)));
      }
      return new Mutation(keyspace, value, superseded);
    });
  }

  private static byte[] bytes(java.io.DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > Framing.MAX_STRING_BYTES) {
      throw new IOException("bad length " + n);
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  @Override
  public void close() throws IOException {
    wal.close();
  }
}
