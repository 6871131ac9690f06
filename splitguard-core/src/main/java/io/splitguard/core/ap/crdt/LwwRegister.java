package io.splitguard.core.ap.crdt;

import io.splitguard.core.ap.clock.Hlc;
import java.util.List;
import java.util.Objects;

/**
 * A last-writer-wins register: the value with the highest {@link Hlc} stamp wins (physical time,
 * then logical counter, then node id, so there is never a tie between different writes).
 *
 * <p>The loser is not thrown away silently: {@link #merge} reports it as {@link
 * SupersedeReason#LWW_OLDER}, so the audit log has every value LWW discarded. In a merge tree where
 * each write enters once, every write but the winner is reported exactly once; merging the same
 * loser again (anti-entropy repeats itself) reports it again, hence the audit log's
 * de-duplication on {@code (key, clock)}.
 *
 * @param key the key it is stored under
 * @param value the current value
 * @param stamp when and by whom it was written
 */
public record LwwRegister(String key, String value, Hlc stamp) implements Mergeable<LwwRegister> {

  /** Validates the fields. */
  public LwwRegister {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(stamp, "stamp");
  }

  /**
   * {@code value} written locally at {@code stamp} (which the node's clock issued, so it is higher
   * than the current stamp it has seen). The replaced value is reported as {@link
   * SupersedeReason#OVERWRITTEN}; should the stamp be lower after all, the new write is the one
   * reported, as an LWW loser.
   */
  public MergeOutcome<LwwRegister> write(String newValue, Hlc newStamp) {
    LwwRegister next = new LwwRegister(key, newValue, newStamp);
    if (next.stamp.compareTo(stamp) > 0) {
      return MergeOutcome.of(next, List.of(superseded(SupersedeReason.OVERWRITTEN)));
    }
    return merge(next);
  }

  @Override
  public MergeOutcome<LwwRegister> merge(LwwRegister other) {
    PnCounter.requireSameKey(key, other.key);
    int c = stamp.compareTo(other.stamp);
    if (c == 0) {
      if (!value.equals(other.value)) {
        // One stamp, two values: a node re-issued a stamp (lost its clock state). Broken invariant.
        throw new IllegalStateException("stamp " + stamp + " on two different values for key '" + key + "'");
      }
      return new MergeOutcome.Clean<>(this);
    }
    LwwRegister winner = c > 0 ? this : other;
    LwwRegister loser = c > 0 ? other : this;
    return MergeOutcome.of(winner, List.of(loser.superseded(SupersedeReason.LWW_OLDER)));
  }

  private Superseded superseded(SupersedeReason reason) {
    return new Superseded(key, value, stamp, stamp.node(), reason);
  }
}
