package io.splitguard.core.registry;

import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.election.LeaderContact;
import io.splitguard.core.keyspace.Keyspace;
import io.splitguard.core.keyspace.KeyspaceCommand;
import io.splitguard.core.keyspace.KeyspaceResult;
import io.splitguard.core.kv.KvCommand;
import io.splitguard.core.kv.KvEntry;
import io.splitguard.core.kv.KvResult;
import io.splitguard.core.lock.GuardedValue;
import io.splitguard.core.lock.Lease;
import io.splitguard.core.lock.LockCommand;
import io.splitguard.core.lock.LockResult;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Port to the replicated CP registry. The consensus adapter (Apache Ratis) implements it; the HTTP
 * API and tests depend only on this interface.
 *
 * <p>All methods are thread-safe. Futures complete on adapter threads; callers must not block them.
 * Infrastructure failures complete futures exceptionally with a {@link RegistryException}:
 * {@link OutcomeUnknownException} when a write may or may not have been applied, {@link
 * NoLeaderException} when it certainly was not.
 */
public interface Registry extends AutoCloseable {

  /**
   * Proposes a change; it is applied once committed by a majority. Compare-and-set failures and
   * missing keys are normal {@link KvResult}s, not exceptions.
   */
  CompletableFuture<KvResult> submit(KvCommand command);

  /**
   * Reads {@code key} linearizably: the answer reflects every write acknowledged before the read
   * started (read index through the leader, never a local read).
   */
  CompletableFuture<Optional<KvEntry>> readLinearizable(String key);

  /** Reads {@code key} from this node's applied state, which may lag the leader. */
  LocalRead readLocal(String key);

  /**
   * Proposes a lock command (acquire, keep-alive, release, inspection, guarded write). The leader
   * stamps its clock into commands that need time ({@link LockCommand#needsTime()}) when it
   * appends them; the command passed here is unstamped. Refusals (a held lock, a stale token)
   * are normal {@link LockResult}s.
   */
  CompletableFuture<LockResult> submit(LockCommand command);

  /** Reads a guarded resource linearizably (read index through the leader). */
  CompletableFuture<Optional<GuardedValue>> readGuardedLinearizable(String resource);

  /** Reads a lock's lease record from this node's applied state, which may lag the leader. */
  LocalLockRead readLockLocal(String name);

  /** Reads a guarded resource from this node's applied state, which may lag the leader. */
  LocalGuardedRead readGuardedLocal(String resource);

  /**
   * Proposes a keyspace declaration. A refused re-declaration is a normal {@link
   * KeyspaceResult.Refused}, not an exception.
   */
  CompletableFuture<KeyspaceResult> submit(KeyspaceCommand command);

  /**
   * The keyspace declarations in this node's applied state. Declarations are never removed or
   * changed in mode, so a keyspace seen here has its final strategy; a declaration not yet applied
   * here is simply missing (try again, or ask another node).
   */
  LocalKeyspaces keyspacesLocal();

  /**
   * As a follower, this node's contact with its leader (who, which term, how long silent, where
   * this node's log ends); empty otherwise, and from implementations that do not track it.
   */
  default Optional<LeaderContact> leaderContact() {
    return Optional.empty();
  }

  /** This node's view of consensus right now. */
  ConsensusStatus status();

  /**
   * The leader this node follows or is, if known: {@code status().leaderId()}, which an
   * implementation may answer more cheaply, since it is asked on every request.
   */
  default Optional<NodeId> leaderId() {
    return status().leaderId();
  }

  /**
   * The consensus configuration now.
   *
   * @throws UnsupportedOperationException if this registry cannot change membership
   */
  default io.splitguard.core.membership.Membership membership() throws java.io.IOException {
    throw new UnsupportedOperationException("membership is not available from this registry");
  }

  /**
   * Proposes {@code next} if the configuration is still {@code current}; completes once committed.
   */
  default CompletableFuture<Void> changeMembership(
      io.splitguard.core.membership.Membership current, io.splitguard.core.membership.Membership next) {
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException("membership changes are not available from this registry"));
  }

  /**
   * Every member of the consensus configuration with its addresses: from the cluster file, or,
   * for a member added at run time, from the replicated address record ({@link
   * io.splitguard.core.membership.MemberAddresses}). A member whose API address is not known yet
   * is left out.
   */
  default java.util.List<io.splitguard.core.cluster.ClusterMember> configuredMembers() throws java.io.IOException {
    throw new UnsupportedOperationException("membership is not available from this registry");
  }

  /**
   * Adds a member that is not in the configuration yet as a non-voting listener: records its
   * addresses through the log, then proposes {@code next} (which must be {@code current} plus the
   * member as a listener) with compare-and-set on {@code current}. Completes once committed.
   */
  default CompletableFuture<Void> addListener(
      io.splitguard.core.cluster.ClusterMember member, io.splitguard.core.membership.Membership current,
      io.splitguard.core.membership.Membership next) {
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException("membership changes are not available from this registry"));
  }

  /**
   * While this node leads: how many log entries each other member (voter or listener) is behind
   * the commit index, as far as the leader knows. Empty when this node does not lead.
   */
  default java.util.Map<io.splitguard.core.cluster.NodeId, Long> replicationLag() {
    return java.util.Map.of();
  }

  /** Stops the node's consensus participation and releases its resources. */
  @Override
  void close();

  /**
   * A read served from local state.
   *
   * @param entry the entry, if the key exists locally
   * @param appliedIndex the log index up to which local state is applied
   */
  record LocalRead(Optional<KvEntry> entry, long appliedIndex) {}

  /**
   * A lock read served from local state.
   *
   * @param lease the lock's lease record, if any (possibly expired)
   * @param clockMs the replicated clock of the local state: the latest leader stamp applied here
   * @param appliedIndex the log index up to which local state is applied
   */
  record LocalLockRead(Optional<Lease> lease, long clockMs, long appliedIndex) {}

  /**
   * A guarded-resource read served from local state.
   *
   * @param value the resource's state, if it was ever written
   * @param appliedIndex the log index up to which local state is applied
   */
  record LocalGuardedRead(Optional<GuardedValue> value, long appliedIndex) {}

  /**
   * The keyspaces declared in local state.
   *
   * @param keyspaces every keyspace, {@code default} first, then by name
   * @param appliedIndex the log index up to which local state is applied
   */
  record LocalKeyspaces(List<Keyspace> keyspaces, long appliedIndex) {
    /** Copies the list. */
    public LocalKeyspaces {
      keyspaces = List.copyOf(keyspaces);
    }

    /** The keyspace called {@code name}, if declared. */
    public Optional<Keyspace> get(String name) {
      return keyspaces.stream().filter(k -> k.name().equals(name)).findFirst();
    }
  }
}
