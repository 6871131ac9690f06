package io.splitguard.client;

import java.util.Objects;

/**
 * A key and its value as a node reported it.
 *
 * @param key the key, as given (not URL-encoded)
 * @param value the value
 * @param revision the key's modification revision: the global revision at which this value was
 *     written (etcd's {@code mod_revision}); this is what {@link
 *     SplitGuardClient#putIfRevision} and {@link SplitGuardClient#deleteIfRevision} compare with
 * @param createRevision the global revision at which the key was created, or {@code -1} if the
 *     node did not report it
 * @param stale {@code true} if the node answered a {@link Consistency#STALE} read from local state
 *     that may lag behind the cluster
 * @param appliedIndex for a stale answer, the log index the node had applied when it answered (a
 *     measure of how far behind it may be); {@code -1} when the answer is not stale
 */
public record KvEntry(
    String key, String value, long revision, long createRevision, boolean stale, long appliedIndex) {

  /** Checks that key and value are present. */
  public KvEntry {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
  }
}
