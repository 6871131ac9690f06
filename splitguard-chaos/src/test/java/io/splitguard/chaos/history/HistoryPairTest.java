package io.splitguard.chaos.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
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
  void tokensComeFromTheInvokeOfWritesAndReleasesAndFromTheCompletionOfGrantsAndReads() {
    History h = History.pair(List.of(
        new ClientEvent(1, EventType.INVOKE, Fn.ACQUIRE, "l1", Value.of("c1"), 1, OptionalLong.empty(), Map.of()),
        new ClientEvent(1, EventType.OK, Fn.ACQUIRE, "l1", Value.of("c1"), 2, OptionalLong.of(7), Map.of()),
        new ClientEvent(1, EventType.INVOKE, Fn.GUARDED_WRITE, "r1", Value.of("x"), 3, OptionalLong.of(7), Map.of()),
        new ClientEvent(1, EventType.FAIL, Fn.GUARDED_WRITE, "r1", Value.of("x"), 4),
        new ClientEvent(1, EventType.INVOKE, Fn.RELEASE, "l1", Value.MISSING, 5, OptionalLong.of(7), Map.of()),
        new ClientEvent(1, EventType.OK, Fn.RELEASE, "l1", Value.MISSING, 6),
        ev(2, EventType.INVOKE, Fn.GUARDED_READ, "r1", Value.MISSING, 7),
        new ClientEvent(2, EventType.OK, Fn.GUARDED_READ, "r1", Value.of("y"), 8, OptionalLong.of(5), Map.of()),
        ev(2, EventType.INVOKE, Fn.WRITE, "k1", Value.of("z"), 9)));
    assertThat(h.operations()).extracting(op -> op.token().orElse(-1))
        .containsExactly(7L, 7L, 7L, 5L, -1L);
    assertThat(h.operations().get(1).writes()).isTrue();
    assertThat(h.operations().get(1).written()).isEqualTo("x");
    assertThat(h.operations().get(0).writes()).isFalse();
    assertThat(h.operations().get(3).toString()).isEqualTo("p2 guarded-read -> \"y\" token 5 ok");
    History registers = h.only(Fn::isRegister);
    assertThat(registers.operations()).extracting(Operation::id).containsExactly(4);
  }

  @Test
  void emptyHistory() {
    History h = History.pair(List.of());
    assertThat(h.operations()).isEmpty();
    assertThat(h.startTime()).isZero();
  }
}
