package io.splitguard.server.ap.sim;

import io.splitguard.wal.Recovery;
import io.splitguard.wal.Wal;
import io.splitguard.wal.WalRecord;
import io.splitguard.wal.WalSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * An in-memory {@link Wal} for the AP simulation, single-threaded. Appends become durable only at
 * {@link #sync()}, which also completes their futures (on the caller's thread, so everything the
 * store does after an fsync happens inside the simulation's step). {@link #crash(Random)} keeps a
 * random prefix of the unsynced records on the {@link Disk} (a kernel may have written some pages
 * back) and drops the rest, a suffix, as a real crash may; their futures never complete. The next
 * incarnation opens a new {@code SimWal} on the same disk.
 */
final class SimWal implements Wal {
  /** What survives a crash: the synced records and snapshot. */
  static final class Disk {
    final TreeMap<Long, byte[]> records = new TreeMap<>();
    WalSnapshot snapshot;
    long lastIndex;
  }

  private record Unsynced(long index, byte[] payload, CompletableFuture<Long> future) {}

  private final Disk disk;
  private final boolean acknowledgeBeforeSync;
  private final List<Unsynced> unsynced = new ArrayList<>();
  private long lastIndex;
  private long durableIndex;
  private boolean crashed;

  /**
   * A log on {@code disk}.
   *
   * @param acknowledgeBeforeSync a deliberately broken log that completes futures at append, before
   *     the data is durable: the simulation must catch the acknowledged writes a crash then loses
   */
  SimWal(Disk disk, boolean acknowledgeBeforeSync) {
    this.disk = disk;
    this.acknowledgeBeforeSync = acknowledgeBeforeSync;
    this.lastIndex = disk.lastIndex;
    this.durableIndex = disk.lastIndex;
  }

  @Override
  public CompletableFuture<Long> append(byte[] payload) {
    if (crashed) {
      throw new IllegalStateException("the node crashed");
    }
    long index = ++lastIndex;
    CompletableFuture<Long> future = new CompletableFuture<>();
    unsynced.add(new Unsynced(index, payload.clone(), future));
    if (acknowledgeBeforeSync) {
      future.complete(index);
    }
    return future;
  }

  /** The fsync: every unsynced record becomes durable, then their futures complete in order. */
  void sync() {
    if (crashed || unsynced.isEmpty()) {
      return;
    }
    List<Unsynced> batch = new ArrayList<>(unsynced);
    unsynced.clear();
    for (Unsynced u : batch) {
      disk.records.put(u.index(), u.payload());
      disk.lastIndex = u.index();
    }
    durableIndex = batch.get(batch.size() - 1).index();
    for (Unsynced u : batch) {
      u.future().complete(u.index());
    }
  }

  /** Whether records await a sync. */
  boolean hasUnsynced() {
    return !unsynced.isEmpty();
  }

  /**
   * The process dies: a random prefix of the unsynced records reaches the disk, the rest is lost.
   *
   * @return the highest index on disk afterwards (records above it are lost)
   */
  long crash(Random random) {
    int kept = random.nextInt(unsynced.size() + 1);
    for (int i = 0; i < kept; i++) {
      Unsynced u = unsynced.get(i);
      disk.records.put(u.index(), u.payload());
      disk.lastIndex = u.index();
    }
    unsynced.clear();
    crashed = true;
    return disk.lastIndex;
  }

  @Override
  public List<WalRecord> read(long fromIndex, int maxRecords) {
    if (fromIndex < firstIndex()) {
      throw new IllegalArgumentException("index " + fromIndex + " is compacted");
    }
    List<WalRecord> out = new ArrayList<>();
    for (Map.Entry<Long, byte[]> e : disk.records.tailMap(fromIndex, true).entrySet()) {
      if (out.size() >= maxRecords || e.getKey() > durableIndex) {
        break;
      }
      out.add(new WalRecord(e.getKey(), e.getValue()));
    }
    return out;
  }

  @Override
  public long firstIndex() {
    return disk.records.isEmpty() ? durableIndex + 1 : disk.records.firstKey();
  }

  @Override
  public long lastIndex() {
    return lastIndex;
  }

  @Override
  public long durableIndex() {
    return durableIndex;
  }

  @Override
  public void snapshot(long index, byte[] state) {
    if (crashed) {
      throw new IllegalStateException("the node crashed");
    }
    if (index > durableIndex) {
      throw new IllegalArgumentException("index " + index + " is not durable");
    }
    disk.snapshot = new WalSnapshot(index, state);
    disk.records.headMap(index, true).clear();
  }

  @Override
  public Optional<WalSnapshot> latestSnapshot() {
    return Optional.ofNullable(disk.snapshot);
  }

  @Override
  public Recovery recovery() {
    return new Recovery(Recovery.Kind.CLEAN, durableIndex, "", 0, 0, List.of(), "simulated log up to " + durableIndex);
  }

  @Override
  public void close() {
    crashed = true;
  }
}
