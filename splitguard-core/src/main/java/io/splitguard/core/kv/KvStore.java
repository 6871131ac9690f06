package io.splitguard.core.kv;

import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The state of a CP keyspace: a sorted key-value map with a global revision that increases by one
 * with every applied change, as in etcd. The revision is shared with the lock table (see {@link
 * #advanceRevision()}), so fencing tokens and key revisions are one sequence.
 *
 * <p>Not thread-safe: the consensus adapter applies commands on a single thread and guards reads
 * with its own lock. {@link #apply(KvCommand)} is deterministic: the same sequence of commands
 * yields the same state and results on every replica.
 */
public final class KvStore {
  private final NavigableMap<String, KvEntry> entries;
  private long revision;

  /** An empty store at revision 0. */
  public KvStore() {
    this(new TreeMap<>(), 0);
  }

  private KvStore(NavigableMap<String, KvEntry> entries, long revision) {
    this.entries = entries;
    this.revision = revision;
  }

  /**
   * Restores a store from a snapshot's content.
   *
   * @throws IllegalArgumentException if an entry is newer than {@code revision}
   */
  public static KvStore restore(Iterable<KvEntry> entries, long revision) {
    TreeMap<String, KvEntry> map = new TreeMap<>();
    for (KvEntry entry : entries) {
      if (entry.modRevision() > revision) {
        throw new IllegalArgumentException(
            "entry " + entry.key() + " at revision " + entry.modRevision()
                + " is newer than the snapshot revision " + revision);
      }
      if (map.put(entry.key(), entry) != null) {
        throw new IllegalArgumentException("duplicate key in snapshot: " + entry.key());
      }
    }
    return new KvStore(map, revision);
  }

  /** Applies one command and returns its outcome. */
  public KvResult apply(KvCommand command) {
    KvEntry current = entries.get(command.key());
    long expected = command.expectedModRevision();
    if (expected != KvCommand.NO_EXPECTATION) {
      long actual = current == null ? 0 : current.modRevision();
      if (actual != expected) {
        return new KvResult.PreconditionFailed(command.key(), actual, revision);
      }
    }
    if (command instanceof KvCommand.Put put) {
      long next = revision + 1;
      KvEntry written =
          current == null
              ? new KvEntry(put.key(), put.value(), next, next, 1)
              : new KvEntry(put.key(), put.value(), current.createRevision(), next, current.version() + 1);
      entries.put(put.key(), written);
      revision = next;
      return new KvResult.Written(written, next);
    }
    KvCommand.Delete delete = (KvCommand.Delete) command;
    if (current == null) {
      // etcd does not advance the revision for a delete that removes nothing; neither do we.
      return new KvResult.NotFound(delete.key(), revision);
    }
    entries.remove(delete.key());
    revision = revision + 1;
    return new KvResult.Deleted(current, revision);
  }

  /**
   * Advances the global revision by one for a change outside the keyspace that shares its
   * revision sequence (a lock grant, a guarded write), and returns the new revision.
   */
  public long advanceRevision() {
    revision = revision + 1;
    return revision;
  }

  /** The current entry for {@code key}, if the key exists. */
  public Optional<KvEntry> get(String key) {
    return Optional.ofNullable(entries.get(key));
  }

  /** The global revision: the number of changes applied so far. */
  public long revision() {
    return revision;
  }

  /** Number of live keys. */
  public int size() {
    return entries.size();
  }

  /** A read-only, key-ordered view of all entries (for snapshots). */
  public Map<String, KvEntry> entries() {
    return Collections.unmodifiableNavigableMap(entries);
  }
}
