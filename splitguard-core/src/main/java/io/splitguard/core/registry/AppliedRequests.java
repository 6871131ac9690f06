package io.splitguard.core.registry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * The identities of the most recent client requests applied to the registry, so that a request
 * that reached the log twice is applied once.
 *
 * <p>Why: the consensus client retries a request after an RPC timeout. If the first copy was
 * appended by one leader and the retry reached another that did not know the copy was pending,
 * the log holds the request twice, and both copies commit (Raft's retry cache is a per-leader
 * memory, not an exactly-once guarantee across leader changes). The Raft paper's remedy is this:
 * the replicated state remembers applied request ids and refuses to apply one again. Ids are
 * those of log entries and those of writes a follower forwarded to the leader, which travel
 * inside the leader's batch entries (a forward sent again lands in another entry).
 *
 * <p>Deterministic: every replica applies the same log, records ids in the same order and evicts
 * the oldest first when {@link #capacity()} is reached, so every replica makes the same decision.
 * The ids are part of snapshots for the same reason. The capacity bounds how late a duplicate can
 * arrive and still be caught: {@value #DEFAULT_CAPACITY} requests, far more than are applied
 * during the consensus client's retry period at this system's write rates.
 */
public final class AppliedRequests {
  /** Default number of request ids remembered. */
  public static final int DEFAULT_CAPACITY = 50_000;

  private final int capacity;
  private final LinkedHashSet<RequestId> ids = new LinkedHashSet<>();

  /** An empty set with the default capacity. */
  public AppliedRequests() {
    this(DEFAULT_CAPACITY);
  }

  /** An empty set remembering at most {@code capacity} ids. */
  public AppliedRequests(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive, got " + capacity);
    }
    this.capacity = capacity;
  }

  /**
   * Records that {@code id} is being applied now.
   *
   * @return {@code true} the first time this id is seen (apply it), {@code false} for a duplicate
   *     (do not apply it again)
   */
  public boolean firstApplication(RequestId id) {
    if (ids.contains(id)) {
      return false;
    }
    ids.add(id);
    if (ids.size() > capacity) {
      ids.remove(ids.iterator().next());
    }
    return true;
  }

  /** The remembered ids, oldest first (for snapshots). */
  public List<RequestId> idsOldestFirst() {
    return new ArrayList<>(ids);
  }

  /** How many ids are remembered at most. */
  public int capacity() {
    return capacity;
  }

  /** An independent copy. */
  public AppliedRequests copy() {
    AppliedRequests copy = new AppliedRequests(capacity);
    copy.ids.addAll(ids);
    return copy;
  }

  /** Restores from a snapshot's ids, oldest first. */
  public static AppliedRequests restore(List<RequestId> oldestFirst, int capacity) {
    AppliedRequests restored = new AppliedRequests(capacity);
    for (RequestId id : oldestFirst) {
      restored.firstApplication(id);
    }
    return restored;
  }

  /**
   * The identity of one client request: the consensus client's id and its call number.
   *
   * @param client the client id bytes (copied)
   * @param call the call number within that client
   */
  public record RequestId(byte[] client, long call) {
    /** Copies the client bytes. */
    public RequestId {
      client = Objects.requireNonNull(client, "client").clone();
    }

    @Override
    public byte[] client() {
      return client.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof RequestId other && call == other.call && Arrays.equals(client, other.client);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(client) + Long.hashCode(call);
    }

    @Override
    public String toString() {
      return HexFormat.of().formatHex(client) + "#" + call;
    }
  }
}
