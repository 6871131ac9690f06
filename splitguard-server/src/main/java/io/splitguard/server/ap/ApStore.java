package io.splitguard.server.ap;

import io.splitguard.core.ap.clock.Hlc;
import io.splitguard.core.ap.clock.HlcClock;
import io.splitguard.core.ap.clock.HlcResult;
import io.splitguard.core.ap.clock.HlcSettings;
import io.splitguard.core.ap.clock.Stamp;
import io.splitguard.core.ap.codec.ApCodec;
import io.splitguard.core.ap.crdt.LwwRegister;
import io.splitguard.core.ap.crdt.ManualRegister;
import io.splitguard.core.ap.crdt.MergeOutcome;
import io.splitguard.core.ap.crdt.Mergeable;
import io.splitguard.core.ap.crdt.MvRegister;
import io.splitguard.core.ap.crdt.OrSet;
import io.splitguard.core.ap.crdt.PnCounter;
import io.splitguard.core.ap.crdt.Superseded;
import io.splitguard.core.ap.crdt.SupersededHistory;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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
 * <p><b>Superseded values.</b> Kept per key (for {@code /history}), the newest {@link
 * ApStoreSettings#historyMaxEntries} of them, and audited once per {@code (keyspace, key, clock)}:
 * merges can report the same loser again (anti-entropy repeats itself). Each key's {@link
 * SupersededHistory} remembers a watermark of what dropped out of its bounded view, so a value
 * that left the view is still known and never audited again; history and watermark are rebuilt
 * from the snapshot and the log on restart. A crash after the fsync and before the audit line is
 * written loses that audit line only; the history keeps the value.
 *
 * <p><b>Deletes.</b> A deleted LWW key holds a tombstone, a deleted register no sibling; both stay
 * in the store (and in replication and the Merkle digests) so the delete converges, but {@link #get}
 * does not show them. Tombstones are never collected.
 *
 * <p><b>Snapshots.</b> Every {@link ApStoreSettings#snapshotEveryRecords} records, a snapshot is
 * written on a thread of the store's own: the state is copied under the lock at a known log index
 * (the cut), written outside it once that index is durable, and the log then drops the segments
 * the snapshot covers; records after the cut stay in the log.
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
  private static final byte SNAPSHOT_FORMAT_1 = 1;
  /** Format 2 adds each key's history watermark after its record. */
  private static final byte SNAPSHOT_FORMAT_2 = 2;

  /**
   * Log records replayed at open beyond which the store writes a snapshot and lets the log drop
   * the records it covers, so start-up replay stays bounded across restarts (the default of {@link
   * ApStoreSettings#snapshotEveryRecords}).
   */
  public static final int SNAPSHOT_AFTER_RECORDS = ApStoreSettings.DEFAULT_SNAPSHOT_EVERY_RECORDS;

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

  /**
   * What a delete did.
   *
   * @param state the key's state after it: an LWW tombstone, a register without siblings, a set
   *     without the elements seen here
   * @param removed the values it removed here (superseded as {@code DELETED}); empty if the key
   *     held none
   */
  public record Deletion(Mergeable<?> state, List<Superseded> removed) {
    /** Copies the list. */
    public Deletion {
      removed = List.copyOf(removed);
    }
  }

  private final NodeId self;
  private final Wal wal;
  private final LongSupplier wallClockMs;
  private final SupersededSink sink;
  private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();
  private final TreeMap<ApKey, Mergeable<?>> values = new TreeMap<>();
  private final Map<ApKey, SupersededHistory> histories = new HashMap<>();
  private final ApStoreSettings settings;
  private final Object snapshotLock = new Object();
  private final ExecutorService snapshotRunner;
  private HlcClock clock;
  private long recordsSinceSnapshot;
  private boolean snapshotScheduled;
  private CompletableFuture<Long> lastAppend;

  private ApStore(NodeId self, Wal wal, HlcSettings hlc, LongSupplier wallClockMs, SupersededSink sink,
      ApStoreSettings settings) {
    this.self = self;
    this.wal = wal;
    this.wallClockMs = wallClockMs;
    this.sink = sink;
    this.settings = settings;
    this.clock = new HlcClock(hlc);
    this.lastAppend = CompletableFuture.completedFuture(wal.lastIndex());
    this.snapshotRunner = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "ap-snapshot-" + self);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Opens the store in {@code directory} (created if needed) and replays its log.
   *
   * @throws IOException if the log cannot be opened or holds an undecodable record
   */
  public static ApStore open(
      NodeId self, Path directory, HlcSettings hlc, LongSupplier wallClockMs, SupersededSink sink)
      throws IOException {
    return open(self, directory, hlc, wallClockMs, sink, ApStoreSettings.defaults());
  }

  /**
   * Opens the store in {@code directory} with the given bounds and replays its log.
   *
   * @throws IOException if the log cannot be opened or holds an undecodable record
   */
  public static ApStore open(NodeId self, Path directory, HlcSettings hlc, LongSupplier wallClockMs,
      SupersededSink sink, ApStoreSettings settings) throws IOException {
    return open(self, WalSettings.of(directory), hlc, wallClockMs, sink, settings);
  }

  /** As {@link #open}, with explicit log settings (tests use small segments). */
  static ApStore open(NodeId self, WalSettings walSettings, HlcSettings hlc, LongSupplier wallClockMs,
      SupersededSink sink, ApStoreSettings settings) throws IOException {
    FileWal wal = FileWal.open(walSettings);
    ApStore store = new ApStore(self, wal, hlc, wallClockMs, sink, settings);
    try {
      int replayed = store.replay(hlc);
      store.recordsSinceSnapshot = replayed;
      if (replayed > settings.snapshotEveryRecords()) {
        store.snapshot();
      }
    } catch (IOException | RuntimeException e) {
      store.snapshotRunner.shutdownNow();
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
      for (SnapshotEntry se : decodeSnapshot(snap.state())) {
        Mutation m = se.mutation();
        ApKey key = new ApKey(m.keyspace(), m.value().key());
        values.put(key, m.value());
        highest = max(highest, m.value());
        if (se.watermark().isPresent()) {
          // Format 2: the history as it was, in stamp order, above its watermark.
          histories.put(key, new SupersededHistory(m.superseded(), se.watermark()).bound(settings.historyMaxEntries()));
        } else {
          m.superseded().forEach(s -> remember(key, s));
        }
        for (Superseded s : m.superseded()) {
          if (s.clock() instanceof Hlc h && (highest == null || h.compareTo(highest) > 0)) {
            highest = h;
          }
        }
        if (se.watermark().orElse(null) instanceof Hlc h && (highest == null || h.compareTo(highest) > 0)) {
          highest = h;
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
        highest = max(highest, m.value());
        for (Superseded s : m.superseded()) {
          remember(key, s);
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
   * Writes a snapshot of every key's state and history, after which the log drops the segments it
   * covers. Writers are held only while the state is copied (the cut, at the index of the last
   * record appended); the snapshot is written once that record is durable, so it never covers a
   * write that could still be lost, and records appended after the cut stay in the log. Snapshots
   * are taken one at a time. Called at open, by the store itself every {@link
   * ApStoreSettings#snapshotEveryRecords} records, and by tests.
   *
   * @throws IOException if the snapshot cannot be written (the log is unchanged) or the cut's
   *     records could not be made durable
   */
  public void snapshot() throws IOException {
    synchronized (snapshotLock) {
      writeSnapshot(cut());
    }
  }

  /** The state at the last appended record. Snapshots never run concurrently: {@link #snapshot} holds {@code snapshotLock}. */
  synchronized SnapshotCut cut() {
    recordsSinceSnapshot = 0;
    return new SnapshotCut(wal.lastIndex(), lastAppend, new TreeMap<>(values), new HashMap<>(histories));
  }

  /**
   * A consistent copy of the state at a log index.
   *
   * @param index the last record the copy includes
   * @param durable completes once that record is durable
   */
  record SnapshotCut(long index, CompletableFuture<Long> durable, TreeMap<ApKey, Mergeable<?>> values,
      Map<ApKey, SupersededHistory> histories) {}

  /** Writes {@code cut} as the log's snapshot (one at a time, see {@link #cut}). */
  void writeSnapshot(SnapshotCut cut) throws IOException {
    if (cut.index() == 0) {
      return;
    }
    try {
      cut.durable().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for index " + cut.index() + " to be durable", e);
    } catch (ExecutionException e) {
      throw new IOException("records up to index " + cut.index() + " are not durable: " + e.getCause(), e);
    }
    byte[] state = Framing.write(out -> {
      out.writeByte(SNAPSHOT_FORMAT_2);
      out.writeInt(cut.values().size());
      for (Map.Entry<ApKey, Mergeable<?>> e : cut.values().entrySet()) {
        SupersededHistory h = cut.histories().getOrDefault(e.getKey(), SupersededHistory.empty());
        byte[] b = encode(new Mutation(e.getKey().keyspace(), e.getValue(), h.entries()));
        out.writeInt(b.length);
        out.write(b);
        byte[] mark = h.watermark().map(ApCodec::encodeStamp).orElse(new byte[0]);
        out.writeInt(mark.length);
        out.write(mark);
      }
    });
    wal.snapshot(cut.index(), state);
    LOG.info("event=ap_snapshot_written node={} index={} keys={} bytes={}", self, cut.index(), cut.values().size(),
        state.length);
  }

  /** Called with the lock held after each append: schedules a snapshot once enough records were appended. */
  private void maybeScheduleSnapshot() {
    if (++recordsSinceSnapshot < settings.snapshotEveryRecords() || snapshotScheduled) {
      return;
    }
    snapshotScheduled = true;
    try {
      snapshotRunner.execute(() -> {
        try {
          snapshot();
        } catch (IOException | RuntimeException e) {
          LOG.warn("event=ap_snapshot_failed node={} error={}", self, e.toString());
        } finally {
          synchronized (this) {
            snapshotScheduled = false;
          }
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      snapshotScheduled = false; // closing
    }
  }

  /** A key's record in a snapshot, with its history watermark (format 2; empty in format 1). */
  private record SnapshotEntry(Mutation mutation, Optional<Stamp> watermark) {}

  private static List<SnapshotEntry> decodeSnapshot(byte[] state) throws IOException {
    try {
      return Framing.read(state, in -> {
        byte format = in.readByte();
        if (format != SNAPSHOT_FORMAT_1 && format != SNAPSHOT_FORMAT_2) {
          throw new IOException("unknown AP snapshot format " + format);
        }
        int n = in.readInt();
        if (n < 0) {
          throw new IOException("negative key count");
        }
        List<SnapshotEntry> out = new ArrayList<>(Math.min(n, 1 << 16));
        for (int i = 0; i < n; i++) {
          Mutation m = decode(bytes(in));
          Optional<Stamp> mark = Optional.empty();
          if (format == SNAPSHOT_FORMAT_2) {
            byte[] b = bytes(in);
            mark = b.length == 0 ? Optional.empty() : Optional.of(ApCodec.decodeStamp(b));
          }
          out.add(new SnapshotEntry(m, mark));
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

  // ---- deletes -----------------------------------------------------------------------------------

  /**
   * Deletes an LWW key: a tombstone stamped by this node's clock, written even if the key holds no
   * value here (a value this node has not received yet, stamped earlier, loses to it).
   *
   * @throws io.splitguard.core.ap.clock.ClockSkewException if the clock refuses to stamp
   * @throws ApTypeException if the key holds another type
   */
  public CompletableFuture<Deletion> deleteLww(String keyspace, String key) {
    ApKey k = new ApKey(keyspace, key);
    Pending<LwwRegister> p;
    MergeOutcome<LwwRegister> out;
    synchronized (this) {
      LwwRegister current = typed(k, LwwRegister.class, "LWW register");
      Hlc stamp = clock.now(wallClockMs.getAsLong()).orThrow();
      out = current == null ? new MergeOutcome.Clean<>(LwwRegister.tombstone(key, stamp)) : current.delete(stamp);
      p = install(k, out.merged(), out.superseded());
    }
    List<Superseded> removed = out.superseded();
    return p.completion(Optional.empty()).thenApply(v -> new Deletion(v, removed));
  }

  /**
   * Deletes a multi-value register (CRDT keyspaces): drops every sibling seen here; a write
   * concurrent with the delete survives. Empty if the key holds no value here (nothing changes).
   */
  public Optional<CompletableFuture<Deletion>> deleteMv(String keyspace, String key) {
    ApKey k = new ApKey(keyspace, key);
    Pending<MvRegister> p;
    MergeOutcome<MvRegister> out;
    synchronized (this) {
      MvRegister current = typed(k, MvRegister.class, "multi-value register");
      if (current == null || current.isDeleted()) {
        return Optional.empty();
      }
      out = current.delete();
      p = install(k, out.merged(), out.superseded());
    }
    List<Superseded> removed = out.superseded();
    return Optional.of(p.completion(Optional.empty()).thenApply(v -> new Deletion(v, removed)));
  }

  /**
   * Deletes a MANUAL register. Empty if the key holds no value here (nothing changes).
   *
   * @throws ApConflictException if the key is in conflict (resolve it first; nothing changes)
   */
  public Optional<CompletableFuture<Deletion>> deleteManual(String keyspace, String key) {
    ApKey k = new ApKey(keyspace, key);
    Pending<ManualRegister> p;
    MergeOutcome<ManualRegister> out;
    synchronized (this) {
      ManualRegister current = typed(k, ManualRegister.class, "manual register");
      if (current == null || current.isDeleted()) {
        return Optional.empty();
      }
      ManualRegister.Write w = current.delete();
      if (w instanceof ManualRegister.Write.RefusedInConflict r) {
        throw new ApConflictException(r.register());
      }
      out = ((ManualRegister.Write.Accepted) w).outcome();
      p = install(k, out.merged(), out.superseded());
    }
    List<Superseded> removed = out.superseded();
    return Optional.of(p.completion(Optional.empty()).thenApply(v -> new Deletion(v, removed)));
  }

  /**
   * Clears a set: removes every element whose add was observed here (adds concurrent with the
   * clear survive, as for any remove). Empty if the set holds no element here (nothing changes).
   */
  public Optional<CompletableFuture<OrSet>> clearSet(String keyspace, String name) {
    synchronized (this) {
      OrSet current = typed(new ApKey(keyspace, name), OrSet.class, "set");
      if (current == null || current.elements().isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(updateSet(keyspace, name, List.of(), List.copyOf(current.elements())));
    }
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
        SupersededHistory known = histories.getOrDefault(k, SupersededHistory.empty());
        List<Superseded> fresh = new ArrayList<>();
        for (Superseded s : out.superseded()) {
          if (!known.knows(s.clock())) {
            fresh.add(s);
          }
        }
        for (Superseded s : e.history()) {
          if (!known.knows(s.clock()) && !fresh.contains(s)) {
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

  /** The value of {@code key}, if it holds one: empty if it was never written here or is deleted. */
  public synchronized Optional<Mergeable<?>> get(String keyspace, String key) {
    Mergeable<?> v = values.get(new ApKey(keyspace, key));
    return v == null || isDeleted(v) ? Optional.empty() : Optional.of(v);
  }

  /** The state of {@code key} as stored and replicated, tombstones and deleted registers included. */
  public synchronized Optional<Mergeable<?>> state(String keyspace, String key) {
    return Optional.ofNullable(values.get(new ApKey(keyspace, key)));
  }

  /** Whether a stored state is a deleted key (an LWW tombstone or a register without siblings). */
  public static boolean isDeleted(Mergeable<?> v) {
    return (v instanceof LwwRegister l && l.deleted()) || (v instanceof MvRegister m && m.isDeleted())
        || (v instanceof ManualRegister r && r.isDeleted());
  }

  /**
   * The values {@code key} superseded, oldest first in stamp order: the newest {@link
   * ApStoreSettings#historyMaxEntries} this node knows (the audit log has every one it audited).
   */
  public synchronized List<Superseded> history(String keyspace, String key) {
    return histories.getOrDefault(new ApKey(keyspace, key), SupersededHistory.empty()).entries();
  }

  private List<Superseded> historyOf(ApKey k) {
    return histories.getOrDefault(k, SupersededHistory.empty()).entries();
  }

  /** The values of the given keys that exist here. */
  public synchronized List<Entry> entries(Iterable<ApKey> keys) {
    List<Entry> out = new ArrayList<>();
    for (ApKey k : keys) {
      Mergeable<?> v = values.get(k);
      if (v != null) {
        out.add(new Entry(k.keyspace(), v, historyOf(k)));
      }
    }
    return out;
  }

  /** Every value in the given Merkle ranges (of a tree with {@code rangeCount} ranges). */
  public synchronized List<Entry> entriesInRanges(Set<Integer> ranges, int rangeCount) {
    List<Entry> out = new ArrayList<>();
    for (Map.Entry<ApKey, Mergeable<?>> e : values.entrySet()) {
      if (ranges.contains(MerkleTree.rangeOf(e.getKey().treeKey(), rangeCount))) {
        out.add(new Entry(e.getKey().keyspace(), e.getValue(), historyOf(e.getKey())));
      }
    }
    return out;
  }

  /** The Merkle tree of this node's state, over {@code rangeCount} ranges. */
  public MerkleTree tree(int rangeCount) {
    Map<String, byte[]> digests = new HashMap<>();
    synchronized (this) {
      for (Map.Entry<ApKey, Mergeable<?>> e : values.entrySet()) {
        digests.put(e.getKey().treeKey(), ApCodec.versionDigest(e.getValue()));
      }
    }
    return MerkleTree.build(rangeCount, digests);
  }

  /** Number of keys per keyspace that hold a value (deleted keys are not counted). */
  public synchronized Map<String, Integer> keyCounts() {
    Map<String, Integer> counts = new TreeMap<>();
    values.forEach((k, v) -> {
      if (!isDeleted(v)) {
        counts.merge(k.keyspace(), 1, Integer::sum);
      }
    });
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
    lastAppend = durable;
    maybeScheduleSnapshot();
    values.put(k, value);
    List<Superseded> fresh = new ArrayList<>();
    for (Superseded s : superseded) {
      if (remember(k, s)) {
        fresh.add(s);
      }
    }
    return new Pending<>(k, (T) value, fresh, durable);
  }

  /**
   * Adds to the key's bounded history unless this (key, clock) is known there (held, or at or
   * below its watermark); true if it is new, and then it is to be audited.
   */
  private boolean remember(ApKey k, Superseded s) {
    SupersededHistory.Admission a = histories.getOrDefault(k, SupersededHistory.empty())
        .admit(s, settings.historyMaxEntries());
    if (a.fresh()) {
      histories.put(k, a.history());
    }
    return a.fresh();
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
    snapshotRunner.shutdown();
    try {
      // A snapshot being written finishes first; the log is whole either way.
      if (!snapshotRunner.awaitTermination(30, TimeUnit.SECONDS)) {
        LOG.warn("event=ap_snapshot_abandoned node={}", self);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    wal.close();
  }
}
