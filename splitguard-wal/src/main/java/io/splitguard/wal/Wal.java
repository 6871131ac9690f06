package io.splitguard.wal;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A node-local write-ahead log.
 *
 * <p><b>Ordering and durability.</b> Records get consecutive indexes (1, 2, ...) in the order
 * {@link #append} is called. The future of a record completes with its index only once the record
 * and all records before it are on stable storage (fsynced). A record whose future has completed
 * survives any crash; a record whose future has not completed may be lost, and then so are all
 * later ones. If an fsync fails, the log stops accepting appends: the kernel may already have
 * dropped the dirty pages, so retrying could acknowledge data that is not on disk.
 *
 * <p><b>Threading.</b> Safe for concurrent use.
 */
public interface Wal extends AutoCloseable {

  /**
   * Appends a record. Returns at once (after the write to the OS, before the fsync).
   *
   * @return completes with the record's index once it is durable, or exceptionally with the I/O
   *     error if it could not be made durable (its outcome on disk is then unknown)
   * @throws IllegalArgumentException if the payload exceeds the configured record limit
   * @throws IllegalStateException if the log is closed or failed
   */
  CompletableFuture<Long> append(byte[] payload);

  /**
   * Up to {@code maxRecords} durable records from {@code fromIndex} on, in index order. Only
   * acknowledged records are returned, so a reader never sees a record that a crash could take
   * back.
   *
   * @throws IllegalArgumentException if {@code fromIndex} is below {@link #firstIndex()}
   *     (compacted into a snapshot)
   */
  List<WalRecord> read(long fromIndex, int maxRecords) throws IOException;

  /** The lowest index still held in segments; {@code lastIndex() + 1} when none are. */
  long firstIndex();

  /** The highest index appended (durable or not); 0 if nothing was ever appended. */
  long lastIndex();

  /** The highest index acknowledged as durable. */
  long durableIndex();

  /**
   * Stores {@code state} as the snapshot of everything up to {@code index} (inclusive), durably and
   * atomically, then deletes older snapshots and every segment whose records all lie at or below
   * {@code index}.
   *
   * @throws IllegalArgumentException if {@code index} is not yet durable, or older than the latest
   *     snapshot
   */
  void snapshot(long index, byte[] state) throws IOException;

  /** The newest valid snapshot, if any. */
  Optional<WalSnapshot> latestSnapshot();

  /** What recovery found and did when this log was opened. */
  Recovery recovery();

  /** Waits for pending fsyncs, then releases files and the sync thread. */
  @Override
  void close() throws IOException;
}
