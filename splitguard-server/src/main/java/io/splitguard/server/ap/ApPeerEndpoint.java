package io.splitguard.server.ap;

import io.splitguard.core.ap.merkle.MerkleTree;
import io.splitguard.core.cluster.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * The answering side of the internal AP protocol: request bytes in, answer bytes out, served from
 * this node's {@link ApStore}. The HTTP API routes {@code /v1/internal/ap/*} here; the simulation
 * and the benchmark call it directly, so all three run the same code on the same bytes.
 *
 * <p>Bad input is an {@link IllegalArgumentException} whose message starts with the field at fault
 * and changes nothing. Thread-safe.
 */
public final class ApPeerEndpoint {
  private final ApStore store;
  private final Predicate<NodeId> isMember;
  private final ApProtocol protocol;

  /**
   * An endpoint serving {@code store}.
   *
   * @param isMember which senders a push is accepted from
   */
  public ApPeerEndpoint(ApStore store, Predicate<NodeId> isMember, ApProtocol protocol) {
    this.store = store;
    this.isMember = isMember;
    this.protocol = protocol;
  }

  /**
   * Answers one request. A push completes once its changes are durable here; every other request
   * is answered at once.
   *
   * @throws IllegalArgumentException naming the field at fault
   */
  public CompletableFuture<byte[]> handle(ApProtocol.Operation operation, byte[] request) {
    switch (operation) {
      case MERGE: {
        ApProtocol.Push push = protocol.decodePush(request, isMember);
        return store.merge(push.entries(), push.from()).thenApply(protocol::encodeMergeReport);
      }
      case DIGEST: {
        ApProtocol.DigestRequest r = protocol.decodeDigestRequest(request);
        return CompletableFuture.completedFuture(digest(r.rangeCount(), r.root()));
      }
      case RANGE: {
        ApProtocol.RangeRequest r = protocol.decodeRangeRequest(request, false);
        return CompletableFuture.completedFuture(
            protocol.encodeEntries(store.entriesInRanges(new HashSet<>(r.ranges()), r.rangeCount())));
      }
      case SUMMARIES: {
        ApProtocol.RangeRequest r = protocol.decodeRangeRequest(request, false);
        Map<Integer, long[]> out = new TreeMap<>();
        store.summaries(new HashSet<>(r.ranges()), r.rangeCount())
            .forEach((range, keys) -> out.put(range, keys.keySet().stream().mapToLong(Long::longValue).toArray()));
        return CompletableFuture.completedFuture(protocol.encodeSummaries(out));
      }
      case FETCH: {
        ApProtocol.RangeRequest r = protocol.decodeRangeRequest(request, true);
        long[] wanted = r.summaries();
        Arrays.sort(wanted);
        List<ApKey> keys = new ArrayList<>();
        for (SortedMap<Long, ApKey> range : store.summaries(new HashSet<>(r.ranges()), r.rangeCount()).values()) {
          range.forEach((summary, key) -> {
            if (Arrays.binarySearch(wanted, summary) >= 0) {
              keys.add(key);
            }
          });
        }
        return CompletableFuture.completedFuture(protocol.encodeEntries(store.entries(keys)));
      }
      default:
        throw new IllegalArgumentException("operation: unknown " + operation);
    }
  }

  /**
   * This node's Merkle tree over {@code rangeCount} ranges, or only "equal" when {@code root}
   * matches its root (an idle cluster then exchanges two small messages per round).
   */
  public byte[] digest(int rangeCount, Optional<byte[]> root) {
    MerkleTree tree = store.tree(rangeCount);
    boolean equal = root.isPresent() && Arrays.equals(root.get(), tree.root());
    return protocol.encodeDigest(rangeCount, equal ? Optional.empty() : Optional.of(tree));
  }
}
