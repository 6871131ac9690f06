package io.splitguard.core.registry;

import io.splitguard.core.kv.KvCommand;
import io.splitguard.core.kv.KvEntry;
import io.splitguard.core.kv.KvResult;
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

  /** This node's view of consensus right now. */
  ConsensusStatus status();

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
}
