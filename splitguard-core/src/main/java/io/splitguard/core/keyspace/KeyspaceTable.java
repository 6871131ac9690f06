package io.splitguard.core.keyspace;

import io.splitguard.core.lock.LockTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The declared keyspaces: a pure, deterministic part of the registry state.
 *
 * <p>Rules: {@code default} is built in and CP; declaring it again as CP is {@link
 * KeyspaceResult.Unchanged}, as anything else {@link KeyspaceResult.Refused}. A new name is
 * created at the next global revision. An existing name declared with the same mode and merge
 * policy is unchanged, or updated if only the grace period differs; with another mode or merge
 * policy it is refused. Keyspaces are never removed, so once a node has applied a declaration its
 * strategy is final everywhere; that is what lets nodes route requests by their local copy.
 *
 * <p>Not thread-safe: driven by the registry's single apply thread.
 */
public final class KeyspaceTable {
  private final NavigableMap<String, Keyspace> keyspaces;

  /** No declared keyspaces (only the built-in {@code default}). */
  public KeyspaceTable() {
    this(new TreeMap<>());
  }

  private KeyspaceTable(NavigableMap<String, Keyspace> keyspaces) {
    this.keyspaces = keyspaces;
  }

  /**
   * Restores declared keyspaces from a snapshot.
   *
   * @throws IllegalArgumentException on a duplicate or a {@code default} entry
   */
  public static KeyspaceTable restore(Iterable<Keyspace> declared) {
    TreeMap<String, Keyspace> map = new TreeMap<>();
    for (Keyspace k : declared) {
      if (k.name().equals(Keyspace.DEFAULT) || map.put(k.name(), k) != null) {
        throw new IllegalArgumentException("duplicate keyspace in snapshot: " + k.name());
      }
    }
    return new KeyspaceTable(map);
  }

  /**
   * Applies a declaration.
   *
   * @param revisions the registry's global revision, advanced by one for a change
   */
  public KeyspaceResult apply(KeyspaceCommand command, LockTable.Revisions revisions) {
    KeyspaceCommand.Declare d = (KeyspaceCommand.Declare) command;
    Optional<Keyspace> existing = get(d.name());
    if (existing.isEmpty()) {
      Keyspace created = d.at(revisions.advance());
      keyspaces.put(created.name(), created);
      return new KeyspaceResult.Declared(created, true, revisions.current());
    }
    Keyspace k = existing.get();
    if (k.mode() != d.mode() || !k.merge().equals(d.merge())) {
      return new KeyspaceResult.Refused(k, d, revisions.current());
    }
    if (k.graceMs() == d.graceMs() || k.name().equals(Keyspace.DEFAULT)) {
      return new KeyspaceResult.Unchanged(k, revisions.current());
    }
    Keyspace updated = new Keyspace(k.name(), k.mode(), k.merge(), d.graceMs(), revisions.advance());
    keyspaces.put(updated.name(), updated);
    return new KeyspaceResult.Declared(updated, false, revisions.current());
  }

  /** The keyspace called {@code name}, including the built-in {@code default}. */
  public Optional<Keyspace> get(String name) {
    if (name.equals(Keyspace.DEFAULT)) {
      return Optional.of(Keyspace.defaultKeyspace());
    }
    return Optional.ofNullable(keyspaces.get(name));
  }

  /** Every keyspace, {@code default} first, then by name. */
  public List<Keyspace> all() {
    List<Keyspace> all = new ArrayList<>(keyspaces.size() + 1);
    all.add(Keyspace.defaultKeyspace());
    all.addAll(keyspaces.values());
    return all;
  }

  /** The declared keyspaces (without {@code default}), by name, for snapshots. */
  public Map<String, Keyspace> declared() {
    return java.util.Collections.unmodifiableNavigableMap(keyspaces);
  }

  /** An independent copy. */
  public KeyspaceTable copy() {
    return new KeyspaceTable(new TreeMap<>(keyspaces));
  }
}
