package io.splitguard.server.ap;

import io.splitguard.core.ap.codec.ApCodec;
import io.splitguard.core.ap.crdt.Mergeable;
import io.splitguard.core.ap.crdt.Superseded;
import io.splitguard.core.ap.crdt.SupersededHistory;
import io.splitguard.core.ap.merkle.MerkleTree;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The durable state of an {@link ApStore}: for every key, the newest state whose WAL record is
 * acknowledged (a tombstone or a deleted register included), and the bounded history of the values
 * that acknowledged records superseded, with its watermark. Everything that leaves the node
 * (pushes, digests, range and summary answers) is read from here, never from the in-memory state
 * that may run ahead of the fsync.
 *
 * <p>Why: a state that a crash can take back must never reach a peer. If it did, the node would
 * restart without it and reuse its dots and counter totals: the peer's copy of a lost write would
 * then name a different write with the same dot (a merge refuses it, the key never converges) or
 * hide later acknowledged counter increments behind a higher total. The seeded AP simulation found
 * both before this view existed.
 *
 * <p>The durable history is a {@link SupersededHistory} with the store's bound, fed the values each
 * acknowledged record's history admitted. What such a history ends as depends only on the set of
 * values it was offered, not on their order (the newest {@code historyMaxEntries} are held, the
 * watermark is the newest of the rest), so records acknowledged out of order, or a value the
 * in-memory history already knew when a later record offered it again, leave it exactly as the
 * store's in-memory history once every record is durable, and as a reopen rebuilds it.
 *
 * <p>Each key also keeps the hash its Merkle range is computed from and its version digest, so a
 * digest of a large store does not re-encode and re-hash every value each round, and it keeps the
 * last tree it built, so an idle store (the usual case between anti-entropy rounds) answers a
 * digest without hashing anything.
 *
 * <p>Thread-safe: records are acknowledged on the WAL's sync thread (or the caller's, if the fsync
 * was already done), possibly out of order; the index decides which state is newer.
 */
final class DurableView {
  /**
   * One key's newest durable state.
   *
   * @param index the WAL index of its record
   * @param value the state
   * @param keyHash {@link MerkleTree#keyHash} of the key's tree key
   * @param versionDigest {@link ApCodec#versionDigest} of the state
   */
  record Version(long index, Mergeable<?> value, long keyHash, byte[] versionDigest) {}

  /** The tree built when {@link #changes} was {@code changes}. */
  private record BuiltTree(long changes, int rangeCount, MerkleTree tree) {}

  private final AtomicLong changes = new AtomicLong();
  private volatile BuiltTree lastTree;

  private final ConcurrentSkipListMap<ApKey, Version> byKey = new ConcurrentSkipListMap<>();
  private final ConcurrentHashMap<ApKey, SupersededHistory> history = new ConcurrentHashMap<>();
  private final int historyMaxEntries;

  /** An empty view whose histories hold at most {@code historyMaxEntries} values per key. */
  DurableView(int historyMaxEntries) {
    this.historyMaxEntries = historyMaxEntries;
  }

  /**
   * At replay: {@code value} and {@code keyHistory} as the snapshot or log record {@code index}
   * left them, all durable (replaces what the view held for the key).
   */
  void restore(ApKey key, long index, Mergeable<?> value, SupersededHistory keyHistory) {
    durable(key, index, value);
    if (keyHistory.entries().isEmpty() && keyHistory.watermark().isEmpty()) {
      history.remove(key);
    } else {
      history.put(key, keyHistory);
    }
  }

  /** Records that {@code value}'s WAL record {@code index} is durable. */
  void durable(ApKey key, long index, Mergeable<?> value) {
    byKey.compute(key, (k, old) -> {
      if (old != null && old.index() >= index) {
        return old;
      }
      long hash = old != null ? old.keyHash() : MerkleTree.keyHash(k.treeKey());
      return new Version(index, value, hash, ApCodec.versionDigest(value));
    });
    // Counted after the map holds the state: a tree built from a count read before this line may
    // or may not include it, and is rebuilt on the next call either way.
    changes.incrementAndGet();
  }

  /**
   * Records that the values a durable record superseded are durable too. Histories travel with
   * states, so a value superseded only by a write a crash can take back must not travel either: a
   * peer would keep it, and de-duplicate on its (key, clock) a different value that the restarted
   * node later writes with the same dot.
   */
  void durableHistory(ApKey key, List<Superseded> superseded) {
    if (!superseded.isEmpty()) {
      history.compute(key, (k, old) -> {
        SupersededHistory next = old == null ? SupersededHistory.empty() : old;
        for (Superseded s : superseded) {
          next = next.admit(s, historyMaxEntries).history();
        }
        return next;
      });
    }
  }

  /** The durable history of {@code key}, bounded, with its watermark. */
  SupersededHistory history(ApKey key) {
    return history.getOrDefault(key, SupersededHistory.empty());
  }

  /** The durable state of {@code key}. */
  Optional<Mergeable<?>> get(ApKey key) {
    Version v = byKey.get(key);
    return v == null ? Optional.empty() : Optional.of(v.value());
  }

  /** Number of keys with a durable state. */
  int size() {
    return byKey.size();
  }

  /** The Merkle tree over {@code rangeCount} ranges; the last one built if nothing changed since. */
  MerkleTree tree(int rangeCount) {
    long seen = changes.get();
    BuiltTree last = lastTree;
    if (last != null && last.changes() == seen && last.rangeCount() == rangeCount) {
      return last.tree();
    }
    MerkleTree tree = build(rangeCount);
    lastTree = new BuiltTree(seen, rangeCount, tree);
    return tree;
  }

  private MerkleTree build(int rangeCount) {
    List<SortedMap<String, byte[]>> ranges = new ArrayList<>(rangeCount);
    for (int r = 0; r < rangeCount; r++) {
      ranges.add(new TreeMap<>());
    }
    for (Map.Entry<ApKey, Version> e : byKey.entrySet()) {
      Version v = e.getValue();
      ranges.get(MerkleTree.rangeOfHash(v.keyHash(), rangeCount)).put(e.getKey().treeKey(), v.versionDigest());
    }
    return MerkleTree.ofRanges(ranges);
  }

  /** Keys in the given ranges, in key order. */
  List<ApKey> keysInRanges(Set<Integer> ranges, int rangeCount) {
    List<ApKey> out = new ArrayList<>();
    for (Map.Entry<ApKey, Version> e : byKey.entrySet()) {
      if (ranges.contains(MerkleTree.rangeOfHash(e.getValue().keyHash(), rangeCount))) {
        out.add(e.getKey());
      }
    }
    return out;
  }

  /**
   * Per range (of those asked for), each key's {@link MerkleTree#keySummary} and the key, in
   * summary order.
   */
  Map<Integer, SortedMap<Long, ApKey>> summaries(Set<Integer> ranges, int rangeCount) {
    Map<Integer, SortedMap<Long, ApKey>> out = new TreeMap<>();
    for (int r : ranges) {
      out.put(r, new TreeMap<>());
    }
    for (Map.Entry<ApKey, Version> e : byKey.entrySet()) {
      Version v = e.getValue();
      int r = MerkleTree.rangeOfHash(v.keyHash(), rangeCount);
      SortedMap<Long, ApKey> range = out.get(r);
      if (range != null) {
        range.put(MerkleTree.keySummary(e.getKey().treeKey(), v.versionDigest()), e.getKey());
      }
    }
    return out;
  }
}
