package io.splitguard.core.ap.crdt;

import io.splitguard.core.ap.clock.Stamp;
import io.splitguard.core.cluster.NodeId;
import java.util.Objects;

/**
 * A written value that a merge or write dropped, with everything the audit log and the key's
 * history need.
 *
 * <p>A value is identified by {@code (key, clock)}: the same LWW loser can be reported by every
 * replica that merges the two states, so the audit log must de-duplicate on that pair.
 *
 * @param key the key it was written under
 * @param value the dropped value
 * @param clock its stamp: the {@code Hlc} of an LWW write, or the causal context (vector clock,
 *     including its own dot) of a sibling
 * @param node the node that wrote it
 * @param reason why it was dropped
 */
public record Superseded(String key, String value, Stamp clock, NodeId node, SupersedeReason reason) {
  /** Validates the fields. */
  public Superseded {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(reason, "reason");
  }
}
