package io.splitguard.core.registry;

import io.splitguard.core.keyspace.KeyspaceCommand;
import io.splitguard.core.keyspace.KeyspaceResult;
import io.splitguard.core.keyspace.KeyspaceTable;
import io.splitguard.core.kv.KvCommand;
import io.splitguard.core.kv.KvResult;
import io.splitguard.core.kv.KvStore;
import io.splitguard.core.lock.LockCommand;
import io.splitguard.core.lock.LockResult;
import io.splitguard.core.lock.LockTable;
import java.util.Objects;

/**
 * Everything the CP registry replicates: the key-value store (the {@code default} keyspace and
 * the values of declared CP keyspaces), the lock table and the keyspace declarations, sharing one
 * global revision. A lock grant advances the same revision as a key write, which is what makes
 * the fencing token (the revision of the grant) strictly increasing across holders, locks, leader
 * changes and restarts.
 *
 * <p>Pure and deterministic; not thread-safe (the consensus adapter applies on one thread and
 * guards reads with its own lock).
 */
public final class RegistryState {
  private final KvStore kv;
  private final LockTable locks;
  private final LockTable.Revisions revisions;
  private final AppliedRequests appliedRequests;
  private final KeyspaceTable keyspaces;

  /** An empty registry at revision 0 with the replicated clock at 0. */
  public RegistryState() {
    this(new KvStore(), new LockTable(), new AppliedRequests(), new KeyspaceTable());
  }

  private RegistryState(KvStore kv, LockTable locks, AppliedRequests appliedRequests, KeyspaceTable keyspaces) {
    this.kv = kv;
    this.keyspaces = keyspaces;
    this.locks = locks;
    this.appliedRequests = appliedRequests;
    this.revisions = new LockTable.Revisions() {
      @Override
      public long current() {
        return kv.revision();
      }

      @Override
      public long advance() {
        return kv.advanceRevision();
      }
    };
  }

  /** A registry made of restored parts (from a snapshot). */
  public static RegistryState of(KvStore kv, LockTable locks) {
    return of(kv, locks, new AppliedRequests());
  }

  /** A registry made of restored parts, including the applied request ids. */
  public static RegistryState of(KvStore kv, LockTable locks, AppliedRequests appliedRequests) {
    return of(kv, locks, appliedRequests, new KeyspaceTable());
  }

  /** A registry made of restored parts, including the applied request ids and the keyspaces. */
  public static RegistryState of(
      KvStore kv, LockTable locks, AppliedRequests appliedRequests, KeyspaceTable keyspaces) {
    return new RegistryState(Objects.requireNonNull(kv, "kv"), Objects.requireNonNull(locks, "locks"),
        Objects.requireNonNull(appliedRequests, "appliedRequests"), Objects.requireNonNull(keyspaces, "keyspaces"));
  }

  /** Applies a keyspace declaration; a change advances the global revision. */
  public KeyspaceResult apply(KeyspaceCommand command) {
    return keyspaces.apply(command, revisions);
  }

  /** The keyspace declarations. Callers must not apply commands to it directly. */
  public KeyspaceTable keyspaces() {
    return keyspaces;
  }

  /** The ids of recently applied client requests, to apply each request once. */
  public AppliedRequests appliedRequests() {
    return appliedRequests;
  }

  /** Applies a keyspace command. */
  public KvResult apply(KvCommand command) {
    return kv.apply(command);
  }

  /** Applies a lock command. */
  public LockResult apply(LockCommand command) {
    return locks.apply(command, revisions);
  }

  /** The keyspace. Callers must not apply commands to it directly. */
  public KvStore kv() {
    return kv;
  }

  /** The lock table. Callers must not apply commands to it directly. */
  public LockTable locks() {
    return locks;
  }

  /** The global revision. */
  public long revision() {
    return kv.revision();
  }

  /** An independent copy, for snapshots. */
  public RegistryState copy() {
    return new RegistryState(
        KvStore.restore(kv.entries().values(), kv.revision()), locks.copy(), appliedRequests.copy(),
        keyspaces.copy());
  }
}
