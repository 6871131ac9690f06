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
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
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
 * written to the audit log and the change announced to listeners (the replicator). Reopening
 * replays the log: each record's state replaces the key's, in log order, which rebuilds exactly the
 * acknowledged state.
 *
 * <p><b>Durable view.</b> Reads for local clients see the in-memory state, which may run ahead of
 * the fsync. Everything that leaves the node ({@link #entries}, {@link #entriesInRanges}, {@link
 * #summaries}, {@link #tree}) is read from the {@link DurableView} instead: per key the newest state
 * whose record is acknowledged, with the bounded history (and watermark) that acknowledged records
 * built. Tombstones and deleted registers are states like any other there, so deletes replicate
 * only once durable too. So no peer ever receives a state or a superseded value this node could
 * lose in a crash.
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
 * taken while running: the state and histories are copied under the lock right after an append
 * (the cut, at that record's index), and written by the snapshot executor (a thread of the store's
 * own unless one is given to {@link #open(NodeId, Wal, HlcSettings, LongSupplier, SupersededSink,
 * ApStoreSettings, Executor)}) once that record is durable; the log then drops the segments the
 * snapshot covers, and records after the cut stay in it. Nothing waits for the fsync in between,
 * so a single-threaded simulation can drive snapshots too. A snapshot holds only acknowledged
 * records, so reopening rebuilds the durable view from it exactly as it was.
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
  private final DurableView durableView;
  private final Object snapshotLock = new Object();
  private final Executor snapshotExecutor;
  /** The store's own snapshot thread, shut down at close; empty when the executor was given. */
  private final Optional<ExecutorService> ownSnapshotRunner;
  private HlcClock clock;
  private long recordsSinceSnapshot;
  private boolean snapshotScheduled;
  private CompletableFuture<Long> lastAppend;

  private ApStore(NodeId self, Wal wal, HlcSettings hlc, LongSupplier wallClockMs, SupersededSink sink,
      ApStoreSettings settings, Optional<Executor> snapshotExecutor) {
    this.self = self;
    this.wal = wal;
    this.wallClockMs = wallClockMs;
    this.sink = sink;
    this.settings = settings;
    this.durableView = new DurableView(settings.historyMaxEntries());
    this.clock = new HlcClock(hlc);
    this.lastAppend = CompletableFuture.completedFuture(wal.lastIndex());
    if (snapshotExecutor.isPresent()) {
      this.ownSnapshotRunner = Optional.empty();
      this.snapshotExecutor = snapshotExecutor.get();
    } else {
      ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "ap-snapshot-" + self);
        t.setDaemon(true);
        return t;
      });
      this.ownSnapshotRunner = Optional.of(runner);
      this.snapshotExecutor = runner;
    }
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
    return open(self, FileWal.open(walSettings), hlc, wallClockMs, sink, settings, Optional.empty());
  }

  /**
   * Opens the store on {@code wal} (any {@link Wal}: the node's {@link FileWal}, or a simulated one
   * in tests) and replays it. The store owns the log from then on and closes it.
   *
   * @param snapshotExecutor runs the writing of snapshots taken while running (the store does not
   *     shut it down); a simulation passes one that queues the work as its own event, so a seed
   *     replays exactly
   * @throws IOException if the log holds an undecodable record
   */
  public static ApStore open(NodeId self, Wal wal, HlcSettings hlc, LongSupplier wallClockMs, SupersededSink sink,
      ApStoreSettings settings, Executor snapshotExecutor) throws IOException {
    return open(self, wal, hlc, wallClockMs, sink, settings, Optional.of(snapshotExecutor));
  }

  private static ApStore open(NodeId self, Wal wal, HlcSettings hlc, LongSupplier wallClockMs, SupersededSink sink,
      ApStoreSettings settings, Optional<Executor> snapshotExecutor) throws IOException {
    ApStore store = new ApStore(self, wal, hlc, wallClockMs, sink, settings, snapshotExecutor);
    try {
      int replayed = store.replay(hlc);
      store.recordsSinceSnapshot = replayed;
      if (replayed > settings.snapshotEveryRecords()) {
        store.snapshot();
      }
    } catch (IOException | RuntimeException e) {
      store.ownSnapshotRunner.ifPresent(ExecutorService::shutdownNow);
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
          m.superseded().forEach(s -> remember(key, s, false));
        }
        // A snapshot covers acknowledged records only: its state is the durable one.
        durableView.restore(key, snap.index(), m.value(), histories.getOrDefault(key, SupersededHistory.empty()));
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
          remember(key, s, false);
          if (s.clock() instanceof Hlc h && (highest == null || h.compareTo(highest) > 0)) {
            highest = h;
          }
        }
        // Replayed records are on disk: the key's state and history (with its watermark) are durable.
        durableView.restore(key, r.index(), m.value(), histories.getOrDefault(key, SupersededHistory.empty()));
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
   * covers, and returns once it is written. Writers are held only while the state is copied (the
   * cut, at the index of the last record appended); the snapshot is written once that record is
   * durable, so it never covers a write that could still be lost, and records appended after the
   * cut stay in the log. Called at open and by tests; while running, the store takes its snapshots
   * without waiting ({@link #maybeSnapshot}).
   *
   * @throws IOException if the snapshot cannot be written (the log is unchanged) or the cut's
   *     records could not be made durable
   */
  public void snapshot() throws IOException {
    writeSnapshot(cut());
  }

  /** The state at the last appended record. */
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

  /**
   * Writes {@code cut} as the log's snapshot; waits for its index to be durable first. Snapshots
   * are written one at a time, and a cut older than the snapshot already written is dropped (a
   * running snapshot whose write was overtaken by an explicit one).
   */
  void writeSnapshot(SnapshotCut cut) throws IOException {
    synchronized (snapshotLock) {
      if (cut.index() == 0 || wal.latestSnapshot().map(w -> w.index() >= cut.index()).orElse(false)) {
        return;
      }
      writeDurableCut(cut);
    }
  }

  private void writeDurableCut(SnapshotCut cut) throws IOException {
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

  /**
   * Called with the lock held after each mutation is applied: once enough records were appended
   * (and no running snapshot is under way), takes the cut now and has the snapshot executor write
   * it when its record is durable. Nothing here waits: the fsync completes the cut's future, which
   * hands the write to the executor.
   */
  private void maybeSnapshot() {
    if (++recordsSinceSnapshot < settings.snapshotEveryRecords() || snapshotScheduled) {
      return;
    }
    snapshotScheduled = true;
    SnapshotCut cut = cut();
    cut.durable().whenComplete((index, error) -> {
      if (error != null) {
        LOG.warn("event=ap_snapshot_failed node={} index={} error={}", self, cut.index(), error.toString());
        snapshotDone();
        return;
      }
      try {
        snapshotExecutor.execute(() -> {
          try {
            writeSnapshot(cut);
          } catch (IOException | RuntimeException e) {
            LOG.warn("event=ap_snapshot_failed node={} index={} error={}", self, cut.index(), e.toString());
          } finally {
            snapshotDone();
          }
        });
      } catch (RejectedExecutionException e) {
        snapshotDone(); // closing
      }
    });
  }

  private synchronized void snapshotDone() {
    snapshotScheduled = false;
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
   * The one skeleton of every local write and delete: under the lock, read the key's current state
   * (checking its type), compute the next state with {@code change}, apply it in memory and append
   * its record; then, once the record is durable, complete (durable view, audit of the superseded
   * values, listeners). {@code change} sees the current state (null if the key holds none) and
   * returns the outcome, or empty when there is nothing to do (nothing is written then); it may
   * throw to refuse, before anything changes.
   */
  private <T extends Mergeable<T>> Optional<CompletableFuture<MergeOutcome<T>>> mutate(String keyspace, String key,
      Class<T> type, String wanted, Function<T, Optional<MergeOutcome<T>>> change) {
    ApKey k = new ApKey(keyspace, key);
    Pending p;
    MergeOutcome<T> out;
    synchronized (this) {
      Optional<MergeOutcome<T>> next = change.apply(typed(k, type, wanted));
      if (next.isEmpty()) {
        return Optional.empty();
      }
      out = next.get();
      p = install(k, out.merged(), out.superseded(), true);
    }
    return Optional.of(p.completion(Optional.empty()).thenApply(index -> out));
  }

  /** {@link #mutate} for a change that always writes. */
  private <T extends Mergeable<T>> CompletableFuture<T> write(String keyspace, String key, Class<T> type,
      String wanted, Function<T, MergeOutcome<T>> change) {
    return mutate(keyspace, key, type, wanted, current -> Optional.of(change.apply(current))).orElseThrow()
        .thenApply(MergeOutcome::merged);
  }

  /**
   * Writes an LWW value stamped by this node's clock.
   *
   * @throws io.splitguard.core.ap.clock.ClockSkewException if the clock refuses to stamp
   * @throws ApTypeException if the key holds another type
   */
  public CompletableFuture<LwwRegister> writeLww(String keyspace, String key, String value) {
    return write(keyspace, key, LwwRegister.class, "LWW register", current -> {
      Hlc stamp = clock.now(wallClockMs.getAsLong()).orThrow();
      return current == null ? new MergeOutcome.Clean<>(new LwwRegister(key, value, stamp)) : current.write(value, stamp);
    });
  }

  /** Writes a multi-value register (CRDT keyspaces): replaces every sibling seen here. */
  public CompletableFuture<MvRegister> writeMv(String keyspace, String key, String value) {
    return write(keyspace, key, MvRegister.class, "multi-value register",
        current -> (current == null ? MvRegister.empty(key) : current).write(self, value));
  }

  /**
   * Writes a MANUAL register.
   *
   * @throws ApConflictException if the key is in conflict (nothing changes)
   */
  public CompletableFuture<ManualRegister> writeManual(String keyspace, String key, String value) {
    return write(keyspace, key, ManualRegister.class, "manual register",
        current -> accepted((current == null ? ManualRegister.empty(key) : current).write(self, value)));
  }

  /** Resolves a MANUAL register to {@code value}; every sibling is superseded as RESOLVED. */
  public CompletableFuture<ManualRegister> resolve(String keyspace, String key, String value) {
    return write(keyspace, key, ManualRegister.class, "manual register",
        current -> (current == null ? ManualRegister.empty(key) : current).resolve(self, value));
  }

  /**
   * Adds {@code delta} to a PN-counter.
   *
   * @throws ArithmeticException if a total would overflow (nothing changes)
   */
  public CompletableFuture<PnCounter> addToCounter(String keyspace, String name, long delta) {
    return write(keyspace, name, PnCounter.class, "counter", current -> {
      PnCounter next = (current == null ? PnCounter.empty(name) : current).add(self, delta);
      next.value(); // refuse a counter whose value no longer fits, before anything is stored
      return new MergeOutcome.Clean<>(next);
    });
  }

  /** Adds and removes elements of an add-wins OR-set (adds applied after removes). */
  public CompletableFuture<OrSet> updateSet(String keyspace, String name, List<String> add, List<String> remove) {
    return write(keyspace, name, OrSet.class, "set", current -> {
      OrSet next = current == null ? OrSet.empty(name) : current;
      for (String e : remove) {
        next = next.remove(e);
      }
      for (String e : add) {
        next = next.add(self, e);
      }
      return new MergeOutcome.Clean<>(next);
    });
  }

  /** The outcome of an accepted MANUAL write or delete; a refusal throws, before anything changes. */
  private static MergeOutcome<ManualRegister> accepted(ManualRegister.Write w) {
    if (w instanceof ManualRegister.Write.RefusedInConflict r) {
      throw new ApConflictException(r.register());
    }
    return ((ManualRegister.Write.Accepted) w).outcome();
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
    return mutate(keyspace, key, LwwRegister.class, "LWW register", current -> {
      Hlc stamp = clock.now(wallClockMs.getAsLong()).orThrow();
      return Optional.of(current == null ? new MergeOutcome.Clean<>(LwwRegister.tombstone(key, stamp))
          : current.delete(stamp));
    }).orElseThrow().thenApply(ApStore::deletion);
  }

  /**
   * Deletes a multi-value register (CRDT keyspaces): drops every sibling seen here; a write
   * concurrent with the delete survives. Empty if the key holds no value here (nothing changes).
   */
  public Optional<CompletableFuture<Deletion>> deleteMv(String keyspace, String key) {
    return mutate(keyspace, key, MvRegister.class, "multi-value register",
        current -> current == null || current.isDeleted() ? Optional.empty() : Optional.of(current.delete()))
        .map(f -> f.thenApply(ApStore::deletion));
  }

  /**
   * Deletes a MANUAL register. Empty if the key holds no value here (nothing changes).
   *
   * @throws ApConflictException if the key is in conflict (resolve it first; nothing changes)
   */
  public Optional<CompletableFuture<Deletion>> deleteManual(String keyspace, String key) {
    return mutate(keyspace, key, ManualRegister.class, "manual register",
        current -> current == null || current.isDeleted() ? Optional.empty() : Optional.of(accepted(current.delete())))
        .map(f -> f.thenApply(ApStore::deletion));
  }

  private static Deletion deletion(MergeOutcome<? extends Mergeable<?>> out) {
    return new Deletion(out.merged(), out.superseded());
  }

  /**
   * Clears a set: removes every element whose add was observed here (adds concurrent with the
   * clear survive, as for any remove). Empty if the set holds no element here (nothing changes).
   */
  public Optional<CompletableFuture<OrSet>> clearSet(String keyspace, String name) {
    return mutate(keyspace, name, OrSet.class, "set", current -> {
      if (current == null || current.elements().isEmpty()) {
        return Optional.empty();
      }
      OrSet next = current;
      for (String e : current.elements()) {
        next = next.remove(e);
      }
      return Optional.of(new MergeOutcome.Clean<>(next));
    }).map(f -> f.thenApply(MergeOutcome::merged));
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
    List<Pending> pending = new ArrayList<>();
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
        pending.add(install(k, out.merged(), fresh, false));
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

  /**
   * The watermark of {@code key}'s bounded history: the newest stamp (in {@link
   * io.splitguard.core.ap.crdt.StampOrder}) that dropped out of it, empty if none did. A superseded
   * value at or below it is known here but no longer shown by {@link #history}.
   */
  public synchronized Optional<Stamp> historyWatermark(String keyspace, String key) {
    return histories.getOrDefault(new ApKey(keyspace, key), SupersededHistory.empty()).watermark();
  }

  /** The bounded history of {@code key} with its watermark, as this node knows it (tests compare it). */
  synchronized SupersededHistory historyState(ApKey key) {
    return histories.getOrDefault(key, SupersededHistory.empty());
  }

  /** The durable history of {@code key} with its watermark: what replication sends (tests compare it). */
  SupersededHistory durableHistoryState(ApKey key) {
    return durableView.history(key);
  }

  /**
   * The durable states of the given keys that exist here (tombstones and deleted registers
   * included), with their durable bounded histories: what replication sends. A state whose WAL
   * record is not yet acknowledged is never returned (see {@link DurableView}); the key's previous
   * durable state is.
   */
  public List<Entry> entries(Iterable<ApKey> keys) {
    List<Entry> out = new ArrayList<>();
    for (ApKey k : keys) {
      durableView.get(k).ifPresent(v -> out.add(new Entry(k.keyspace(), v, durableView.history(k).entries())));
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

  /** The Merkle tree of this node's durable state (tombstones included), over {@code rangeCount} ranges. */
  public MerkleTree tree(int rangeCount) {
    return durableView.tree(rangeCount);
  }

  /** Number of keys with a durable state here, tombstones included (what replication sizes its digests by). */
  public int durableKeyCount() {
    return durableView.size();
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

  /**
   * Call with the lock held: appends the WAL record, applies it in memory (state, and the
   * superseded values the key's history admits), and takes a running snapshot's cut if one is due,
   * so a cut always sits between two whole mutations.
   *
   * @param replacedHere whether {@code superseded} are values this node held and a local write
   *     replaced (always audited, see {@link SupersededHistory#admitReplaced}), not values a merge
   *     brought
   */
  private Pending install(ApKey k, Mergeable<?> value, List<Superseded> superseded, boolean replacedHere) {
    byte[] record = encode(new Mutation(k.keyspace(), value, superseded));
    CompletableFuture<Long> durable = wal.append(record);
    lastAppend = durable;
    values.put(k, value);
    List<Superseded> fresh = new ArrayList<>();
    for (Superseded s : superseded) {
      if (remember(k, s, replacedHere)) {
        fresh.add(s);
      }
    }
    maybeSnapshot();
    return new Pending(k, value, fresh, durable);
  }

  /**
   * Adds to the key's bounded history unless this (key, clock) is known there (held, or at or
   * below its watermark); true if it is new, and then it is to be audited.
   */
  private boolean remember(ApKey k, Superseded s, boolean replacedHere) {
    SupersededHistory h = histories.getOrDefault(k, SupersededHistory.empty());
    SupersededHistory.Admission a = replacedHere
        ? h.admitReplaced(s, settings.historyMaxEntries())
        : h.admit(s, settings.historyMaxEntries());
    if (a.fresh()) {
      histories.put(k, a.history());
    }
    return a.fresh();
  }

  /** A mutation applied in memory whose WAL record is being made durable. */
  private final class Pending {
    private final ApKey key;
    private final Mergeable<?> value;
    /** The superseded values the key's history admitted (the others were known). */
    private final List<Superseded> fresh;
    private final CompletableFuture<Long> durable;

    Pending(ApKey key, Mergeable<?> value, List<Superseded> fresh, CompletableFuture<Long> durable) {
      this.key = key;
      this.value = value;
      this.fresh = fresh;
      this.durable = durable;
    }

    /**
     * Completes once the record is durable: the state and the admitted superseded values enter
     * the durable view (admitted there with the same bound, so its history and watermark end equal
     * to the in-memory ones once every record is durable), the values are audited, and listeners
     * are told. Returns the record's index.
     */
    CompletableFuture<Long> completion(Optional<NodeId> origin) {
      return durable.thenApply(index -> {
        durableView.durable(key, index, value);
        durableView.durableHistory(key, fresh);
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
        return index;
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
    if (ownSnapshotRunner.isPresent()) {
      ExecutorService runner = ownSnapshotRunner.get();
      runner.shutdown();
      try {
        // A snapshot being written finishes first; the log is whole either way.
        if (!runner.awaitTermination(30, TimeUnit.SECONDS)) {
          LOG.warn("event=ap_snapshot_abandoned node={}", self);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // With a given executor, a snapshot write still queued finds the log closed and is dropped.
    wal.close();
  }
}
