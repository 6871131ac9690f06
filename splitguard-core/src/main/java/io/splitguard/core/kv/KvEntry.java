package io.splitguard.core.kv;

import java.util.Objects;

/**
 * One live key of a CP keyspace, with etcd's revision bookkeeping.
 *
 * @param key the key
 * @param value the current value
 * @param createRevision global revision at which the key was (last) created
 * @param modRevision global revision of the last write to the key; this is the "revision" the API
 *     exposes and that compare-and-set compares with
 * @param version number of writes since the key was created (1 after creation)
 */
public record KvEntry(String key, String value, long createRevision, long modRevision, long version) {
  /** Validates the bookkeeping invariants. */
  public KvEntry {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    if (createRevision <= 0 || modRevision < createRevision || version <= 0) {
      throw new IllegalArgumentException(
          "inconsistent revisions for " + key + ": create=" + createRevision + " mod=" + modRevision
              + " version=" + version);
    }
  }
}
