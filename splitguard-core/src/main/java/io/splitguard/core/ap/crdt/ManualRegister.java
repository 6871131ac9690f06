package io.splitguard.core.ap.crdt;

import io.splitguard.core.ap.clock.VectorClock;
import io.splitguard.core.cluster.NodeId;
import java.util.List;
import java.util.Objects;

/**
 * A register whose concurrent writes become a flagged conflict that a person resolves.
 *
 * <p>Like {@link MvRegister}, concurrent writes are kept as siblings with their causal contexts.
 * Unlike it, an ordinary write to a key that is in conflict here is refused ({@link
 * Write.RefusedInConflict}): silently overwriting the siblings would be a resolution nobody made.
 * {@link #resolve} writes the chosen value with a context that dominates every sibling seen here
 * and reports each of them as {@link SupersedeReason#RESOLVED}. A write concurrent with the
 * resolution (from a side that had not seen it) simply makes a new conflict.
 *
 * <p>The grace period and journal-wins fallback belong to the reconciliation layer, not here.
 *
 * @param key the key it is stored under
 * @param siblings the current values, sorted by dot; more than one means a conflict, none that the
 *     key was deleted (or never written)
 * @param context every write this replica has seen
 */
public record ManualRegister(String key, List<Sibling> siblings, VectorClock context)
    implements Mergeable<ManualRegister> {

  /** Validates and copies the fields (siblings inside the context, distinct dots). */
  public ManualRegister {
    Objects.requireNonNull(key, "key");
    SiblingSet set = new SiblingSet(siblings, context);
    siblings = set.siblings();
  }

  /** The register before any write. */
  public static ManualRegister empty(String key) {
    return new ManualRegister(key, List.of(), VectorClock.empty());
  }

  /** Whether the key holds a flagged conflict (more than one sibling). */
  public boolean inConflict() {
    return siblings.size() > 1;
  }

  /** The answer to an ordinary write. */
  public sealed interface Write permits Write.Accepted, Write.RefusedInConflict {
    /**
     * The write was applied.
     *
     * @param outcome the new register and the value it overwrote, if any
     */
    record Accepted(MergeOutcome<ManualRegister> outcome) implements Write {
      /** Validates the field. */
      public Accepted {
        Objects.requireNonNull(outcome, "outcome");
      }
    }

    /**
     * The key is in conflict; nothing changed. Resolve it first.
     *
     * @param register the register, with its siblings to show
     */
    record RefusedInConflict(ManualRegister register) implements Write {
      /** Validates the field. */
      public RefusedInConflict {
        Objects.requireNonNull(register, "register");
      }
    }
  }

  /** {@code value} written by {@code node}, unless the key is in conflict here. */
  public Write write(NodeId node, String value) {
    if (inConflict()) {
      return new Write.RefusedInConflict(this);
    }
    return new Write.Accepted(apply(node, value, SupersedeReason.OVERWRITTEN));
  }

  /**
   * Deletes the key, unless it is in conflict here (then, as for a write, the conflict must be
   * resolved first: deleting the siblings would be a resolution nobody made). Drops the sibling
   * seen here, reported as {@link SupersedeReason#DELETED}; a write concurrent with the delete
   * survives.
   */
  public Write delete() {
    if (inConflict()) {
      return new Write.RefusedInConflict(this);
    }
    MergeOutcome<SiblingSet> out = state().delete(key);
    return new Write.Accepted(MergeOutcome.of(of(out.merged()), out.superseded()));
  }

  /** Whether the key holds no value: never written, or deleted. */
  public boolean isDeleted() {
    return siblings.isEmpty();
  }

  /**
   * Resolves the key to {@code value}, written by {@code node}: the result dominates every sibling
   * seen here, each of which is reported as {@link SupersedeReason#RESOLVED} (also when only one
   * sibling is left, so that resolving is always recorded).
   */
  public MergeOutcome<ManualRegister> resolve(NodeId node, String value) {
    return apply(node, value, SupersedeReason.RESOLVED);
  }

  @Override
  public MergeOutcome<ManualRegister> merge(ManualRegister other) {
    PnCounter.requireSameKey(key, other.key);
    return new MergeOutcome.Clean<>(of(state().merge(other.state())));
  }

  private MergeOutcome<ManualRegister> apply(NodeId node, String value, SupersedeReason reason) {
    MergeOutcome<SiblingSet> out = state().write(key, node, value, reason);
    return MergeOutcome.of(of(out.merged()), out.superseded());
  }

  private SiblingSet state() {
    return new SiblingSet(siblings, context);
  }

  private ManualRegister of(SiblingSet s) {
    return new ManualRegister(key, s.siblings(), s.context());
  }
}
