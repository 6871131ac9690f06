package io.splitguard.chaos.check;

import io.splitguard.chaos.history.ClientEvent;
import io.splitguard.chaos.history.EventType;
import io.splitguard.chaos.history.Fn;
import io.splitguard.chaos.history.HistoryEvent;
import io.splitguard.chaos.history.NemesisEvent;
import io.splitguard.chaos.history.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * Produces linearizable histories by construction: clients with random concurrency run against one
 * sequential register per key, and each operation takes effect at a step strictly between its
 * invoke and its completion. Some operations end {@code info} — having taken effect, or taking
 * effect later, or never — and some end {@code fail} without taking effect; a process whose
 * operation ended {@code info} is replaced by a fresh id, as the runner does.
 */
final class RegisterSimulator {

  /**
   * Shape of the generated history.
   *
   * @param keys number of keys
   * @param processes concurrent client slots
   * @param operations operations to invoke
   * @param infoPercent chance that an operation ends {@code info}
   * @param failPercent chance that an operation is refused ({@code fail}) before taking effect
   * @param valuePool 0 for unique values per write (the workload's contract); otherwise values
   *     are drawn from this many, so the same value is written more than once
   */
  record Config(int keys, int processes, int operations, int infoPercent, int failPercent, int valuePool) {
    Config(int keys, int processes, int operations, int infoPercent, int failPercent) {
      this(keys, processes, operations, infoPercent, failPercent, 0);
    }
  }

  private enum Phase { IDLE, INVOKED, APPLIED }

  private static final class Slot {
    int process;
    Phase phase = Phase.IDLE;
    Fn f;
    String key;
    Value input;
    Value output;
    boolean casFailed;
  }

  /** An op that ended info before taking effect; it may still take effect later. */
  private record Zombie(Fn f, String key, Value input) {}

  private RegisterSimulator() {}

  static List<HistoryEvent> generate(long seed, Config c) {
    Random rnd = new Random(seed);
    List<HistoryEvent> events = new ArrayList<>();
    Map<String, String> register = new HashMap<>();
    Map<String, List<String>> written = new HashMap<>();
    List<Zombie> zombies = new ArrayList<>();
    Slot[] slots = new Slot[c.processes()];
    int nextProcess = 0;
    for (int i = 0; i < slots.length; i++) {
      slots[i] = new Slot();
      slots[i].process = nextProcess++;
    }
    long time = 1_000_000_000L + rnd.nextInt(1_000_000); // an arbitrary nanoTime-like origin
    int invoked = 0;
    int valueSeq = 0;
    while (true) {
      boolean busy = false;
      for (Slot s : slots) {
        busy |= s.phase != Phase.IDLE;
      }
      if (!busy && invoked >= c.operations()) {
        break;
      }
      time += 1 + rnd.nextInt(1000);
      if (rnd.nextInt(50) == 0) {
        events.add(new NemesisEvent(EventType.INFO, rnd.nextBoolean() ? "start" : "stop", "pause n1", time));
        continue;
      }
      if (!zombies.isEmpty() && rnd.nextInt(20) == 0) {
        // A timed-out operation lands late.
        Zombie z = zombies.remove(rnd.nextInt(zombies.size()));
        apply(register, z.f(), z.key(), z.input());
        continue;
      }
      Slot s = slots[rnd.nextInt(slots.length)];
      switch (s.phase) {
        case IDLE -> {
          if (invoked >= c.operations()) {
            continue;
          }
          invoked++;
          s.key = "k" + rnd.nextInt(c.keys());
          int kind = rnd.nextInt(10);
          List<String> history = written.computeIfAbsent(s.key, k -> new ArrayList<>());
          if (kind < 4) {
            s.f = Fn.READ;
            s.input = Value.MISSING;
          } else if (kind < 8) {
            s.f = Fn.WRITE;
            s.input = Value.of(newValue(c, rnd, valueSeq++));
            history.add(s.input.text());
          } else {
            s.f = Fn.CAS;
            String expected = rnd.nextInt(3) > 0 || history.isEmpty()
                ? register.get(s.key) // likely to succeed, though it may change before it applies
                : history.get(rnd.nextInt(history.size()));
            s.input = Value.cas(expected, newValue(c, rnd, valueSeq++));
            history.add(((Value.Swap) s.input).replacement());
          }
          s.phase = Phase.INVOKED;
          events.add(new ClientEvent(s.process, EventType.INVOKE, s.f, s.key, s.input, time));
        }
        case INVOKED -> {
          int roll = rnd.nextInt(100);
          if (roll < c.failPercent()) {
            finish(s, EventType.FAIL, s.input, time, events); // refused: never applied
          } else if (roll < c.failPercent() + c.infoPercent() / 2) {
            if (s.f != Fn.READ && rnd.nextBoolean()) {
              zombies.add(new Zombie(s.f, s.key, s.input)); // may land later (or never)
            }
            finish(s, EventType.INFO, s.input, time, events);
            s.process = nextProcess++;
          } else {
            // Take effect now.
            String before = register.get(s.key);
            s.casFailed = s.f == Fn.CAS && !Objects.equals(before, ((Value.Swap) s.input).expected());
            apply(register, s.f, s.key, s.input);
            s.output = s.f == Fn.READ ? Value.of(before) : s.input;
            s.phase = Phase.APPLIED;
          }
        }
        case APPLIED -> {
          if (rnd.nextInt(100) < c.infoPercent() / 2) {
            finish(s, EventType.INFO, s.input, time, events); // applied, but the client never knew
            s.process = nextProcess++;
          } else {
            finish(s, s.casFailed ? EventType.FAIL : EventType.OK, s.output, time, events);
          }
        }
      }
    }
    return events;
  }

  private static String newValue(Config c, Random rnd, int seq) {
    return c.valuePool() == 0 ? "v" + seq : "v" + rnd.nextInt(c.valuePool());
  }

  private static void finish(Slot s, EventType type, Value value, long time, List<HistoryEvent> events) {
    events.add(new ClientEvent(s.process, type, s.f, s.key, value, time));
    s.phase = Phase.IDLE;
  }

  private static void apply(Map<String, String> register, Fn f, String key, Value input) {
    switch (f) {
      case READ -> { }
      case WRITE -> register.put(key, input.text());
      case CAS -> {
        Value.Swap swap = (Value.Swap) input;
        if (Objects.equals(register.get(key), swap.expected())) {
          if (swap.replacement() == null) {
            register.remove(key);
          } else {
            register.put(key, swap.replacement());
          }
        }
      }
    }
  }

  /**
   * Replaces the value of one randomly chosen {@code ok} read with a different plausible one: null
   * or another value written to the same key (the hardest mutation to catch). Returns null when the
   * history has no such read.
   */
  static List<HistoryEvent> mutateOneRead(List<HistoryEvent> events, Random rnd) {
    List<Integer> reads = new ArrayList<>();
    Map<String, List<String>> values = new HashMap<>();
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i) instanceof ClientEvent e) {
        if (e.f() == Fn.READ && e.type() == EventType.OK) {
          reads.add(i);
        }
        if (e.type() == EventType.INVOKE && e.f() != Fn.READ) {
          String v = e.f() == Fn.WRITE ? e.value().text() : ((Value.Swap) e.value()).replacement();
          values.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(v);
        }
      }
    }
    if (reads.isEmpty()) {
      return null;
    }
    int index = reads.get(rnd.nextInt(reads.size()));
    ClientEvent read = (ClientEvent) events.get(index);
    List<String> candidates = new ArrayList<>(values.getOrDefault(read.key(), List.of()));
    candidates.add(null);
    candidates.remove(read.value().text());
    if (candidates.isEmpty()) {
      return null;
    }
    String replacement = candidates.get(rnd.nextInt(candidates.size()));
    List<HistoryEvent> mutated = new ArrayList<>(events);
    mutated.set(index, new ClientEvent(read.client(), read.type(), read.f(), read.key(),
        Value.of(replacement), read.time()));
    return mutated;
  }
}
