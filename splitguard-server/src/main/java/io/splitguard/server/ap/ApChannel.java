package io.splitguard.server.ap;

import io.splitguard.core.cluster.ClusterMember;
import io.splitguard.core.cluster.NodeId;
import java.util.concurrent.CompletableFuture;

/**
 * How an {@link ApReplicator} reaches its peers: one request of the internal AP protocol
 * ({@link ApProtocol}) and its answer, as bytes. The node uses {@link HttpApChannel}; the AP
 * simulation delivers the same bytes through a simulated network with partitions, loss and delay,
 * and the convergence benchmark hands them straight to the peer's {@link ApPeerEndpoint}.
 *
 * <p>Implementations must never block the caller: the answer completes the future (exceptionally
 * when the peer could not be reached, answered an error, or did not answer in time).
 */
@FunctionalInterface
public interface ApChannel {
  /**
   * Sends {@code request} to {@code peer}'s endpoint for {@code operation}.
   *
   * @return the answer's bytes
   */
  CompletableFuture<byte[]> call(NodeId peer, ApProtocol.Operation operation, byte[] request);

  /**
   * Makes {@code member}, added to the cluster at run time, reachable by its id. Channels that
   * need no address (an in-memory network) ignore it.
   */
  default void addPeer(ClusterMember member) {}
}
