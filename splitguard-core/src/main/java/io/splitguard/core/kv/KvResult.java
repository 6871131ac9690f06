package io.splitguard.core.kv;

/**
 * The outcome of applying a {@link KvCommand}. Application-level refusals (a failed precondition,
 * a missing key) are results, not exceptions: every replica computes the same result for the same
 * command, and consensus infrastructure failures are reported separately.
 */
public sealed interface KvResult
    permits KvResult.Written, KvResult.Deleted, KvResult.PreconditionFailed, KvResult.NotFound {

  /** The global revision of the store after the command (unchanged if it did not apply). */
  long revision();

  /** The put applied; {@code entry} is the new state of the key. */
  record Written(KvEntry entry, long revision) implements KvResult {}

  /** The delete applied; {@code previous} is what was removed. */
  record Deleted(KvEntry previous, long revision) implements KvResult {}

  /**
   * The compare-and-set precondition did not hold; {@code actualModRevision} is the key's current
   * modification revision ({@code 0} if it does not exist).
   */
  record PreconditionFailed(String key, long actualModRevision, long revision) implements KvResult {}

  /** A delete without precondition named a key that does not exist. */
  record NotFound(String key, long revision) implements KvResult {}
}
