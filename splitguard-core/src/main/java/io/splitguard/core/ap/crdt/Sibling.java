package io.splitguard.core.ap.crdt;

import io.splitguard.core.ap.clock.Dot;
import io.splitguard.core.ap.clock.VectorClock;
import java.util.Objects;

/**
 * One write kept by a multi-value or manual register.
 *
 * @param dot the write's identity
 * @param value the written value
 * @param causalContext what the writer had seen when it wrote, including {@code dot}: shown to
 *     users and operators resolving a conflict, and recorded when the sibling is superseded
 */
public record Sibling(Dot dot, String value, VectorClock causalContext) {
  /** Validates the fields. */
  public Sibling {
    Objects.requireNonNull(dot, "dot");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(causalContext, "causalContext");
    if (causalContext.get(dot.node()) != dot.counter()) {
      throw new IllegalArgumentException("causal context " + causalContext + " does not end at its dot " + dot);
    }
  }

  Superseded superseded(String key, SupersedeReason reason) {
    return new Superseded(key, value, causalContext, dot.node(), reason);
  }
}
