package io.splitguard.chaos.check;

import io.splitguard.chaos.history.ClientEvent;
import io.splitguard.chaos.history.EventType;
import io.splitguard.chaos.history.Fn;
import io.splitguard.chaos.history.History;
import io.splitguard.chaos.history.HistoryEvent;
import io.splitguard.chaos.history.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * A small builder for hand-written histories: each call adds one operation (its invoke and, unless
 * pending, its completion). Times are plain numbers; pairing only needs each process's own events
 * in order, so concurrent operations just use different processes.
 */
final class Hist {
  private final List<HistoryEvent> events = new ArrayList<>();
  private final String key;

  private Hist(String key) {
    this.key = key;
  }

  /** Operations on key {@code k}. */
  static Hist on(String key) {
    return new Hist(key);
  }

  Hist write(int p, String v, long from, long to) {
    return op(p, Fn.WRITE, Value.of(v), Value.of(v), EventType.OK, from, to);
  }

  Hist writeInfo(int p, String v, long from, long to) {
    return op(p, Fn.WRITE, Value.of(v), Value.of(v), EventType.INFO, from, to);
  }

  Hist writeFail(int p, String v, long from, long to) {
    return op(p, Fn.WRITE, Value.of(v), Value.of(v), EventType.FAIL, from, to);
  }

  Hist read(int p, String v, long from, long to) {
    return op(p, Fn.READ, Value.MISSING, Value.of(v), EventType.OK, from, to);
  }

  Hist cas(int p, String expected, String replacement, EventType outcome, long from, long to) {
    Value swap = Value.cas(expected, replacement);
    return op(p, Fn.CAS, swap, swap, outcome, from, to);
  }

  /** An invoke that never completes. */
  Hist pending(int p, Fn f, Value input, long from) {
    events.add(new ClientEvent(p, EventType.INVOKE, f, key, input, from));
    return this;
  }

  Hist op(int p, Fn f, Value input, Value output, EventType outcome, long from, long to) {
    events.add(new ClientEvent(p, EventType.INVOKE, f, key, input, from));
    events.add(new ClientEvent(p, outcome, f, key, output, to));
    return this;
  }

  /** Switches key; later operations go to {@code other}. */
  Hist key(String other) {
    Hist h = new Hist(other);
    h.events.addAll(events);
    return h;
  }

  List<HistoryEvent> events() {
    return List.copyOf(events);
  }

  History build() {
    return History.pair(events);
  }
}
