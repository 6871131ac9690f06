package io.splitguard.chaos.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Pairing invokes with completions into operations. */
class HistoryPairTest {

  private static ClientEvent ev(int p, EventType t, Fn f, String key, Value v, long time) {
    return new ClientEvent(p, t, f, key, v, time);
  }

  @Test
  void pairsPerProcessAndKeepsInvokeOrder() {
    History h = History.pair(List.of(
        ev(1, EventType.INVOKE, Fn.WRITE, "a", Value.of("x"), 100),
        ev(2, EventType.INVOKE, Fn.READ, "b", Value.MISSING, 110),
        new NemesisEvent(EventType.INFO, "start", "pause n1", 90),
        ev(2, EventType.OK, Fn.READ, "b", Value.of("y"), 120),
        ev(1, EventType.INFO, Fn.WRITE, "a", Value.of("x"), 130),
        ev(3, EventType.INVOKE, Fn.CAS, "a", Value.cas("x", "z"), 140)));
    assertThat(h.startTime()).isEqualTo(90);
    assertThat(h.nemesis()).hasSize(1);
    assertThat(h.operations()).extracting(Operation::id).containsExactly(0, 1, 2);
    Operation write = h.operations().get(0);
    assertThat(write.outcome()).isEqualTo(Outcome.INFO);
    assertThat(write.endTime()).isEqualTo(130);
    assertThat(write.completeTime()).isEqualTo(Operation.NEVER);
    Operation read = h.operations().get(1);
    assertThat(read.output()).isEqualTo(Value.of("y"));
    assertThat(read.completeTime()).isEqualTo(120);
    Operation pending = h.operations().get(2);
    assertThat(pending.outcome()).isEqualTo(Outcome.INFO);
    assertThat(pending.endTime()).isEqualTo(Operation.NEVER);
    assertThat(pending.written()).isEqualTo("z");
    assertThat(h.byKey().keySet()).containsExactly("a", "b");
    assertThat(h.byKey().get("a")).extracting(Operation::id).containsExactly(0, 2);
  }

  @Test
  void processMayGoOnAfterInfo() {
    History h = History.pair(List.of(
        ev(1, EventType.INVOKE, Fn.WRITE, "a", Value.of("x"), 1),
        ev(1, EventType.INFO, Fn.WRITE, "a", Value.of("x"), 2),
        ev(1, EventType.INVOKE, Fn.READ, "a", Value.MISSING, 3),
        ev(1, EventType.OK, Fn.READ, "a", Value.of("x"), 4)));
    assertThat(h.operations()).extracting(Operation::outcome).containsExactly(Outcome.INFO, Outcome.OK);
  }

  @Test
  void emptyHistory() {
    History h = History.pair(List.of());
    assertThat(h.operations()).isEmpty();
    assertThat(h.startTime()).isZero();
  }
}
