package io.splitguard.core.kv;

import java.util.Objects;

/**
 * A change to a CP keyspace, proposed through consensus and applied deterministically by {@link
 * KvStore#apply(KvCommand)} on every replica.
 */
public sealed interface KvCommand permits KvCommand.Put, KvCommand.Delete {

  /** Marker for "no compare-and-set precondition". */
  long NO_EXPECTATION = -1;

  /** The key this command touches. */
  String key();

  /**
   * The modification revision the key must have for the command to apply, {@code 0} for "must not
   * exist", or {@link #NO_EXPECTATION}.
   */
  long expectedModRevision();

  /** Writes {@code value} under {@code key}. */
  record Put(String key, String value, long expectedModRevision) implements KvCommand {
    /** Validates the fields. */
    public Put {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
      checkExpectation(expectedModRevision);
    }

    /** An unconditional put. */
    public static Put of(String key, String value) {
      return new Put(key, value, NO_EXPECTATION);
    }
  }

  /** Removes {@code key}. */
  record Delete(String key, long expectedModRevision) implements KvCommand {
    /** Validates the fields. */
    public Delete {
      Objects.requireNonNull(key, "key");
      checkExpectation(expectedModRevision);
    }

    /** An unconditional delete. */
    public static Delete of(String key) {
      return new Delete(key, NO_EXPECTATION);
    }
  }

  private static void checkExpectation(long expected) {
    if (expected < NO_EXPECTATION) {
      throw new IllegalArgumentException("expected revision must be >= 0, got " + expected);
    }
  }
}
