package io.splitguard.core.ap.crdt;

import java.util.List;
import java.util.Objects;

/**
 * The state after a merge or a local write, and every written value it dropped. Sealed in two
 * cases so that a caller cannot mistake "dropped nothing" for "forgot to say": {@link Clean} has
 * no list to ignore, {@link Superseding} has a non-empty one that must go to the audit log.
 *
 * @param <T> the merged type
 */
public sealed interface MergeOutcome<T> permits MergeOutcome.Clean, MergeOutcome.Superseding {

  /** The new state. */
  T merged();

  /** The dropped values; empty only for {@link Clean}. */
  List<Superseded> superseded();

  /** {@link Clean} if {@code superseded} is empty, else {@link Superseding}. */
  static <T> MergeOutcome<T> of(T merged, List<Superseded> superseded) {
    return superseded.isEmpty() ? new Clean<>(merged) : new Superseding<>(merged, superseded);
  }

  /**
   * Nothing was dropped.
   *
   * @param merged the new state
   * @param <T> the merged type
   */
  record Clean<T>(T merged) implements MergeOutcome<T> {
    /** Validates the field. */
    public Clean {
      Objects.requireNonNull(merged, "merged");
    }

    @Override
    public List<Superseded> superseded() {
      return List.of();
    }
  }

  /**
   * Values were dropped and must be recorded.
   *
   * @param merged the new state
   * @param superseded the dropped values, at least one
   * @param <T> the merged type
   */
  record Superseding<T>(T merged, List<Superseded> superseded) implements MergeOutcome<T> {
    /** Validates and copies the fields. */
    public Superseding {
      Objects.requireNonNull(merged, "merged");
      superseded = List.copyOf(superseded);
      if (superseded.isEmpty()) {
        throw new IllegalArgumentException("Superseding needs at least one superseded value; use Clean");
      }
    }
  }
}
