package io.splitguard.chaos.history;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A history as operations: every client invoke paired with its completion, plus the nemesis
 * events.
 *
 * @param operations all client operations, in invoke order ({@link Operation#id()} is the index)
 * @param nemesis the nemesis events, in file order
 * @param startTime the smallest {@code time} of any event (0 for an empty history); reports show
 *     times relative to it
 */
public record History(List<Operation> operations, List<NemesisEvent> nemesis, long startTime) {

  /** Copies the lists. */
  public History {
    operations = List.copyOf(operations);
    nemesis = List.copyOf(nemesis);
  }

  /**
   * The operations per key (keys in sorted order, each list in invoke order). A register history
   * is linearizable iff each key's sub-history is (P-compositionality), so checkers work per key.
   */
  public SortedMap<String, List<Operation>> byKey() {
    SortedMap<String, List<Operation>> result = new TreeMap<>();
    for (Operation op : operations) {
      result.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
    }
    result.replaceAll((k, ops) -> Collections.unmodifiableList(ops));
    return Collections.unmodifiableSortedMap(result);
  }

  /**
   * The operations whose function passes {@code which} (ids unchanged), with the same nemesis
   * events and start time: e.g. {@code only(Fn::isRegister)} for the register checkers, which must
   * not mistake a guarded-write for a write to a key.
   */
  public History only(Predicate<Fn> which) {
    return new History(operations.stream().filter(op -> which.test(op.f())).toList(), nemesis, startTime);
  }

  /**
   * Pairs each invoke with its process's next completion.
   *
   * <p>Rules: a process has at most one outstanding operation; a completion must follow an invoke
   * of the same process with the same {@code f} and {@code key} and must not be earlier than it.
   * An invoke never completed becomes an {@link Outcome#INFO} operation. A process that goes on
   * after an {@code info} completion is not an error (its later operations are separate); the
   * {@code info} operation stays pending forever either way. An operation's token is the invoke's
   * for {@code release} and {@code guarded-write} (required there), the {@code ok} completion's for
   * {@code acquire} (required) and {@code guarded-read} (required unless the value read is null).
   *
   * @throws HistoryFormatException naming the event (1-based) that breaks a rule
   */
  public static History pair(List<? extends HistoryEvent> events) {
    return pair(events, null);
  }

  /** As {@link #pair(List)}, with {@code lines[i]} the file line of event {@code i} for errors. */
  static History pair(List<? extends HistoryEvent> events, long[] lines) {
    // Slots hold the pending invoke until its completion arrives; a completed slot is replaced by
    // the operation, so the result stays in invoke order without sorting.
    List<Operation> ops = new ArrayList<>();
    List<ClientEvent> invokes = new ArrayList<>();
    List<NemesisEvent> nemesis = new ArrayList<>();
    Map<Integer, Integer> outstanding = new HashMap<>();
    long start = Long.MAX_VALUE;
    for (int i = 0; i < events.size(); i++) {
      HistoryEvent event = events.get(i);
      long line = lines == null ? i + 1 : lines[i];
      start = Math.min(start, event.time());
      if (event instanceof NemesisEvent n) {
        nemesis.add(n);
        continue;
      }
      ClientEvent e = (ClientEvent) event;
      Integer pending = outstanding.get(e.client());
      if (e.type() == EventType.INVOKE) {
        if (pending != null) {
          ClientEvent prev = invokes.get(pending);
          throw new HistoryFormatException(line, "process",
              "process " + e.client() + " invokes " + e.f().wireName() + " " + e.key()
                  + " while its " + prev.f().wireName() + " " + prev.key()
                  + " is still outstanding (one operation per process at a time)");
        }
        checkInput(e, line);
        outstanding.put(e.client(), ops.size());
        invokes.add(e);
        ops.add(null);
        continue;
      }
      if (pending == null) {
        throw new HistoryFormatException(line, "process",
            "process " + e.client() + " completes (" + e.type().wireName() + ") "
                + e.f().wireName() + " " + e.key() + " without an outstanding invoke");
      }
      ClientEvent inv = invokes.get(pending);
      if (inv.f() != e.f()) {
        throw new HistoryFormatException(line, "f",
            "completion of process " + e.client() + " says " + e.f().wireName()
                + " but its invoke was " + inv.f().wireName());
      }
      if (!inv.key().equals(e.key())) {
        throw new HistoryFormatException(line, "key",
            "completion of process " + e.client() + " says key " + e.key()
                + " but its invoke was on " + inv.key());
      }
      if (e.time() < inv.time()) {
        throw new HistoryFormatException(line, "time",
            "completion at " + e.time() + " is earlier than its invoke at " + inv.time());
      }
      if ((e.f() == Fn.READ || e.f() == Fn.GUARDED_READ) && e.type() == EventType.OK
          && e.value() instanceof Value.Swap) {
        throw new HistoryFormatException(line, "value",
            "a " + e.f().wireName() + "'s ok value must be a string or null, got " + e.value());
      }
      OptionalLong token = inv.token();
      if (e.type() == EventType.OK && (e.f() == Fn.ACQUIRE || e.f() == Fn.GUARDED_READ)) {
        token = e.token();
        if (token.isEmpty() && (e.f() == Fn.ACQUIRE || !(e.value() instanceof Value.Missing))) {
          throw new HistoryFormatException(line, "token", "an ok " + e.f().wireName()
              + (e.f() == Fn.ACQUIRE ? " needs the token granted" : " of a value needs the token that wrote it"));
        }
      }
      Outcome outcome = switch (e.type()) {
        case OK -> Outcome.OK;
        case FAIL -> Outcome.FAIL;
        default -> Outcome.INFO;
      };
      ops.set(pending, new Operation(pending, inv.client(), inv.f(), inv.key(), inv.value(),
          e.value(), outcome, inv.time(), e.time(), token));
      outstanding.remove(e.client());
    }
    for (int id : outstanding.values()) {
      ClientEvent inv = invokes.get(id);
      ops.set(id, new Operation(id, inv.client(), inv.f(), inv.key(), inv.value(), Value.MISSING,
          Outcome.INFO, inv.time(), Operation.NEVER, inv.token()));
    }
    return new History(ops, nemesis, events.isEmpty() ? 0 : start);
  }

  private static void checkInput(ClientEvent e, long line) {
    switch (e.f()) {
      case WRITE, GUARDED_WRITE -> {
        if (!(e.value() instanceof Value.Text)) {
          throw new HistoryFormatException(line, "value",
              "a " + e.f().wireName() + " invoke needs the string written, got " + e.value());
        }
      }
      case CAS -> {
        if (!(e.value() instanceof Value.Swap)) {
          throw new HistoryFormatException(line, "value",
              "a cas invoke needs [expected, new], got " + e.value());
        }
      }
      case READ, GUARDED_READ, ACQUIRE, RELEASE -> {
        // A read invoke's value is meaningless, an acquire's is the owner (free text); tolerate
        // whatever a runner put there.
      }
    }
    if ((e.f() == Fn.GUARDED_WRITE || e.f() == Fn.RELEASE) && e.token().isEmpty()) {
      throw new HistoryFormatException(line, "token",
          "a " + e.f().wireName() + " invoke needs the token it presents");
    }
  }
}
