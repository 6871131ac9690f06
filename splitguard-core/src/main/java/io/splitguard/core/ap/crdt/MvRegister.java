package io.splitguard.core.ap.crdt;

import io.splitguard.core.ap.clock.VectorClock;
import io.splitguard.core.cluster.NodeId;
import java.util.List;
import java.util.Objects;

/**
 * A multi-value register: a write replaces the values its writer has seen; writes concurrent with
 * each other are all kept, as siblings with their causal contexts, until a later write (which has
 * seen them) replaces them. Reading returns every sibling; the application chooses.
 *
 * <p>Merge never drops a value (it is always {@link MergeOutcome.Clean}): a sibling disappears only
 * because a write that saw it replaced it, and that write reported it as {@link
 * SupersedeReason#OVERWRITTEN}. After all replicas merge, each value written is either present or
 * was reported, never both. It can be reported more than once: two sides that both saw a value
 * and overwrote it concurrently each report it, hence the audit log's de-duplication on {@code
 * (key, clock)}.
 *
 * @param key the key it is stored under
 * @param siblings the current values, sorted by dot; empty before the first write and after a
 *     delete
 * @param context every write this replica has seen
 */
public record MvRegister(String key, List<Sibling> siblings, VectorClock context) implements Mergeable<MvRegister> {

  /** Validates and copies the fields (siblings inside the context, distinct dots). */
  public MvRegister {
    Objects.requireNonNull(key, "key");
    SiblingSet set = new SiblingSet(siblings, context);
    siblings = set.siblings();
  }

  /** The register before any write. */
  public static MvRegister empty(String key) {
    return new MvRegister(key, List.of(), VectorClock.empty());
  }

  /** Whether concurrent writes are kept (more than one sibling). */
  public boolean hasSiblings() {
    return siblings.size() > 1;
  }

  /** {@code value} written by {@code node}, replacing every sibling visible here (reported as overwritten). */
  public MergeOutcome<MvRegister> write(NodeId node, String value) {
    MergeOutcome<SiblingSet> out = state().write(key, node, value, SupersedeReason.OVERWRITTEN);
    return MergeOutcome.of(of(out.merged()), out.superseded());
  }

  /**
   * Deletes the key: drops every sibling seen here (reported as {@link SupersedeReason#DELETED})
   * and keeps their dots in the context, so stale copies merged back stay deleted while a write
   * concurrent with the delete survives as the only sibling.
   */
  public MergeOutcome<MvRegister> delete() {
    MergeOutcome<SiblingSet> out = state().delete(key);
    return MergeOutcome.of(of(out.merged()), out.superseded());
  }

  /** Whether the key holds no value: never written, or deleted (siblings empty, context not). */
  public boolean isDeleted() {
    return siblings.isEmpty();
  }

  @Override
  public MergeOutcome<MvRegister> merge(MvRegister other) {
    PnCounter.requireSameKey(key, other.key);
    return new MergeOutcome.Clean<>(of(state().merge(other.state())));
  }

  private SiblingSet state() {
    return new SiblingSet(siblings, context);
  }

  private MvRegister of(SiblingSet s) {
    return new MvRegister(key, s.siblings(), s.context());
  }
}
