package io.splitguard.core.registry;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The encoded results of the most recently applied requests, so that a copy of a request that
 * reached the log again (a forward re-sent to a new leader after the old one had replicated it) is
 * answered with what the request did, not with "outcome unknown".
 *
 * <p>Why it may answer for the copy: the copy is not applied ({@link AppliedRequests}); the
 * request took effect once, at its first copy, with this result, and every replica computed the
 * same one. Unlike the applied ids, results are a node-local memory, not replicated state: they
 * are not in snapshots, and a node that did not apply the first copy itself (it restarted, or
 * installed a snapshot since) still answers "unknown", which stays true.
 *
 * <p>Bounded by count and by bytes (a result can hold a value of up to the configured maximum);
 * the oldest go first. Copies arrive within a leader change of the original, seconds, while the
 * bounds hold thousands of results. Not thread-safe: the state machine calls it under its lock.
 */
public final class RecentResults {
  /** Results remembered at most, by default. */
  public static final int DEFAULT_MAX_ENTRIES = 10_000;

  /** Bytes of results remembered at most, by default. */
  public static final long DEFAULT_MAX_BYTES = 8L << 20;

  private final int maxEntries;
  private final long maxBytes;
  private final LinkedHashMap<AppliedRequests.RequestId, byte[]> results = new LinkedHashMap<>();
  private long bytes;

  /** A memory with the default bounds. */
  public RecentResults() {
    this(DEFAULT_MAX_ENTRIES, DEFAULT_MAX_BYTES);
  }

  /** A memory of at most {@code maxEntries} results and {@code maxBytes} bytes of them. */
  public RecentResults(int maxEntries, long maxBytes) {
    if (maxEntries < 1 || maxBytes < 1) {
      throw new IllegalArgumentException("maxEntries and maxBytes must be positive");
    }
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
  }

  /** Remembers {@code result} (not copied: callers hand over a fresh array) for {@code id}. */
  public void remember(AppliedRequests.RequestId id, byte[] result) {
    if (result.length > maxBytes) {
      return;
    }
    byte[] previous = results.put(id, result);
    bytes += result.length - (previous == null ? 0 : previous.length);
    Iterator<Map.Entry<AppliedRequests.RequestId, byte[]>> oldest = results.entrySet().iterator();
    while (results.size() > maxEntries || bytes > maxBytes) {
      bytes -= oldest.next().getValue().length;
      oldest.remove();
    }
  }

  /** The result of {@code id}'s application, if still remembered. */
  public Optional<byte[]> resultOf(AppliedRequests.RequestId id) {
    return Optional.ofNullable(results.get(id));
  }

  /** How many results are remembered now. */
  public int size() {
    return results.size();
  }

  /** Bytes of results remembered now. */
  public long bytes() {
    return bytes;
  }
}
