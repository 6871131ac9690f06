package io.splitguard.core.registry;

import io.splitguard.core.kv.KvCommand;
import io.splitguard.core.kv.KvResult;
import io.splitguard.core.kv.KvStore;
import io.splitguard.core.lock.LockCommand;
import io.splitguard.core.lock.LockResult;
import io.splitguard.core.lock.LockTable;
import java.util.Objects;

/**
 * Everything the CP registry replicates: the {@code default} keyspace and the lock table, sharing
 * one global revision. A lock grant advances the same revision as a key write, which is what makes
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

  /** An empty registry at revision 0 with the replicated clock at 0. */
  public RegistryState() {
    this(new KvStore(), new LockTable(), new AppliedRequests());
  }

  private RegistryState(KvStore kv, LockTable locks, AppliedRequests appliedRequests) {
    this.kv = kv;
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
    return new RegistryState(Objects.requireNonNull(kv, "kv"), Objects.requireNonNull(locks, "locks"),
        Objects.requireNonNull(appliedRequests, "appliedRequests"));
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
        KvStore.restore(kv.entries().values(), kv.revision()), locks.copy(), appliedRequests.copy());
  }
}
