package io.splitguard.core.ap.crdt;

import io.splitguard.core.ap.clock.Hlc;
import java.util.List;
import java.util.Objects;

/**
 * A last-writer-wins register: the value with the highest {@link Hlc} stamp wins (physical time,
 * then logical counter, then node id, so there is never a tie between different writes).
 *
 * <p><b>Deletes</b> are writes too: a <em>tombstone</em> ({@code deleted}, empty {@code value})
 * stamped like any write, so a later write wins over it and it wins over every earlier write,
 * whatever order replicas see them in. The value a delete removes is reported as {@link
 * SupersedeReason#DELETED}; a tombstone that loses is not reported (it held no value). Tombstones
 * are kept for good: dropping one would let an older value come back from a replica that had not
 * seen the delete.
 *
 * <p>The loser is not thrown away silently: {@link #merge} reports it as {@link
 * SupersedeReason#LWW_OLDER}, so the audit log has every value LWW discarded. In a merge tree where
 * each write enters once, every write but the winner is reported exactly once; merging the same
 * loser again (anti-entropy repeats itself) reports it again, hence the audit log's
 * de-duplication on {@code (key, clock)}.
 *
 * @param key the key it is stored under
 * @param value the current value; empty for a tombstone
 * @param stamp when and by whom it was written (or deleted)
 * @param deleted whether this is a tombstone: the key was deleted at {@code stamp}
 */
public record LwwRegister(String key, String value, Hlc stamp, boolean deleted) implements Mergeable<LwwRegister> {

  /** Validates the fields. */
  public LwwRegister {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(stamp, "stamp");
    if (deleted && !value.isEmpty()) {
      // One state, one encoding: a tombstone carries no value.
      throw new IllegalArgumentException("a tombstone carries no value, got '" + value + "'");
    }
  }

  /** A live value. */
  public LwwRegister(String key, String value, Hlc stamp) {
    this(key, value, stamp, false);
  }

  /** A tombstone: {@code key} deleted at {@code stamp}. */
  public static LwwRegister tombstone(String key, Hlc stamp) {
    return new LwwRegister(key, "", stamp, true);
  }

  /**
   * {@code value} written locally at {@code stamp} (which the node's clock issued, so it is higher
   * than the current stamp it has seen). The replaced value is reported as {@link
   * SupersedeReason#OVERWRITTEN}; should the stamp be lower after all, the new write is the one
   * reported, as an LWW loser.
   */
  public MergeOutcome<LwwRegister> write(String newValue, Hlc newStamp) {
    return replaceWith(new LwwRegister(key, newValue, newStamp), SupersedeReason.OVERWRITTEN);
  }

  /**
   * Deletes the key locally at {@code newStamp} (issued by the node's clock): the result is a
   * tombstone, and the value it removed, if any, is reported as {@link SupersedeReason#DELETED}.
   */
  public MergeOutcome<LwwRegister> delete(Hlc newStamp) {
    return replaceWith(tombstone(key, newStamp), SupersedeReason.DELETED);
  }

  private MergeOutcome<LwwRegister> replaceWith(LwwRegister next, SupersedeReason reason) {
    if (next.stamp.compareTo(stamp) > 0) {
      return MergeOutcome.of(next, reported(reason));
    }
    return merge(next);
  }

  @Override
  public MergeOutcome<LwwRegister> merge(LwwRegister other) {
    PnCounter.requireSameKey(key, other.key);
    int c = stamp.compareTo(other.stamp);
    if (c == 0) {
      if (!value.equals(other.value) || deleted != other.deleted) {
        // One stamp, two values: a node re-issued a stamp (lost its clock state). Broken invariant.
        throw new IllegalStateException("stamp " + stamp + " on two different values for key '" + key + "'");
      }
      return new MergeOutcome.Clean<>(this);
    }
    LwwRegister winner = c > 0 ? this : other;
    LwwRegister loser = c > 0 ? other : this;
    return MergeOutcome.of(winner, loser.reported(SupersedeReason.LWW_OLDER));
  }

  /** This register's value as superseded, or nothing for a tombstone (no value was lost). */
  private List<Superseded> reported(SupersedeReason reason) {
    return deleted ? List.of() : List.of(new Superseded(key, value, stamp, stamp.node(), reason));
  }
}
