package io.splitguard.chaos.check;

import io.splitguard.chaos.history.Fn;
import io.splitguard.chaos.history.Operation;
import io.splitguard.chaos.history.Outcome;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The Wing–Gong–Lowe search over one key's operations, as in Porcupine (see {@link
 * LinearizabilityChecker} for the rules and the refinements). Single use: construct, {@link
 * #run}, read the fields.
 */
final class WglSearch {
  /** Time budget per configuration memoised, in list entries visited. */
  static final long STEPS_PER_CONFIGURATION = 200;

  private static final int READS = 0;
  private static final int WRITES = 1;
  private static final int INDETERMINATE = 2;

  private final List<Operation> ops;
  private final RegisterModel model;
  private final int okCount;
  private final Entry head = new Entry(-1, false, Long.MIN_VALUE);
  private final Set<Configuration> cache = new HashSet<>();
  /** Linearized operations, by index (= invoke order). */
  private final BitSet linearized = new BitSet();
  /** {@code ok} operations not yet linearized. */
  private final BitSet okPending = new BitSet();
  /** Indeterminate operations not yet linearized. */
  private final BitSet infoPending = new BitSet();

  /** VALID, INVALID or UNKNOWN once {@link #run} returned. */
  Validity result;
  /** List entries visited. */
  long steps;
  /** The operation at the deepest point where the search got stuck (for INVALID), else -1. */
  int culprit = -1;
  /** The linearized prefix (operation indices, in order) at that point. */
  List<Integer> prefix = List.of();
  /** The register's state after that prefix. */
  String stateAfterPrefix;
  private int culpritSeq = -1;

  /**
   * Prepares the search.
   *
   * @param ops the operations, sorted by invoke time ({@code fail} and non-ok reads removed)
   */
  WglSearch(List<Operation> ops, RegisterModel model) {
    this.ops = ops;
    this.model = model;
    this.okCount = (int) ops.stream().filter(o -> o.outcome() == Outcome.OK).count();
    Entry[] entries = new Entry[ops.size() * 2];
    for (int i = 0; i < ops.size(); i++) {
      Operation op = ops.get(i);
      Entry call = new Entry(i, true, op.invokeTime());
      Entry ret = new Entry(i, false, op.completeTime());
      call.match = ret;
      entries[2 * i] = call;
      entries[2 * i + 1] = ret;
    }
    Arrays.sort(entries, Comparator.<Entry>comparingLong(e -> e.time)
        .thenComparing(e -> !e.call) // calls first at equal times: touching ops overlap
        .thenComparingInt(e -> e.op));
    Entry prev = head;
    for (int i = 0; i < entries.length; i++) {
      Entry e = entries[i];
      e.seq = i;
      e.prev = prev;
      prev.next = e;
      prev = e;
    }
  }

  /** Configurations memoised so far. */
  int configurations() {
    return cache.size();
  }

  /** Searches until decided or {@code budget} configurations are memoised. */
  void run(long budget) {
    for (int i = 0; i < ops.size(); i++) {
      mark(i, false);
    }
    if (okCount == 0) {
      result = Validity.VALID;
      return;
    }
    Deque<Frame> calls = new ArrayDeque<>();
    String state = model.initial();
    int okLinearized = 0;
    Entry entry = head.next;
    // Search order: at each point, ok reads first, then ok writes and CASes, then indeterminate
    // operations.
    int pass = READS;
    boolean sawInfo = false;
    while (true) {
      // The budget bounds memory (configurations) and, generously, time (list entries visited).
      if (cache.size() >= budget || steps++ >= budget * STEPS_PER_CONFIGURATION) {
        result = Validity.UNKNOWN;
        return;
      }
      boolean backtrack = false;
      if (entry.call) {
        Operation op = ops.get(entry.op);
        boolean indeterminate = op.outcome() != Outcome.OK;
        sawInfo |= indeterminate;
        Object next = pass == passOf(op) ? model.step(op, state) : RegisterModel.ILLEGAL;
        if (next != RegisterModel.ILLEGAL) {
          String newState = (String) next;
          boolean read = op.f() == Fn.READ; // only ok reads reach the search
          mark(entry.op, true);
          if (okLinearized + (indeterminate ? 0 : 1) == okCount) {
            result = Validity.VALID; // the rest are indeterminate and can go last
            return;
          }
          if (cache.add(configuration(newState))) {
            calls.push(new Frame(entry, state, pass, read));
            state = newState;
            if (!indeterminate) {
              okLinearized++;
            }
            lift(entry);
            entry = head.next;
            pass = READS;
            sawInfo = false;
            continue;
          }
          mark(entry.op, false);
          // A legal read can always go first, so if that configuration was already explored and
          // failed, this one fails too.
          backtrack = read;
        }
        if (!backtrack) {
          entry = entry.next;
          continue;
        }
      } else if (pass == READS || (pass == WRITES && sawInfo)) {
        // Nothing of this kind fits before this return: try the next kind.
        pass++;
        entry = head.next;
        continue;
      } else if (entry.seq > culpritSeq) {
        // The return of an operation not yet linearized: every order of this prefix is stuck.
        // Remember the furthest such point for the report.
        culpritSeq = entry.seq;
        culprit = entry.op;
        List<Integer> p = new ArrayList<>();
        calls.descendingIterator().forEachRemaining(f -> p.add(f.entry().op));
        prefix = p;
        stateAfterPrefix = state;
      }
      // Backtrack: undo linearizations until one leaves an alternative untried. A frame that
      // linearized a read has none (the read could go first in any order that works).
      while (true) {
        if (calls.isEmpty()) {
          result = Validity.INVALID;
          return;
        }
        Frame top = calls.pop();
        state = top.stateBefore();
        mark(top.entry().op, false);
        if (ops.get(top.entry().op).outcome() == Outcome.OK) {
          okLinearized--;
        }
        unlift(top.entry());
        if (!top.forced()) {
          entry = top.entry().next;
          pass = top.pass();
          sawInfo = true; // calls before the resume point are not rescanned; assume the worst
          break;
        }
      }
    }
  }

  /** Which pass of the search order tries this operation. */
  private static int passOf(Operation op) {
    if (op.outcome() != Outcome.OK) {
      return INDETERMINATE;
    }
    return op.f() == Fn.READ ? READS : WRITES;
  }

  private void mark(int op, boolean lifted) {
    linearized.set(op, lifted);
    (ops.get(op).outcome() == Outcome.OK ? okPending : infoPending).set(op, !lifted);
  }

  /** The configuration of the current set with {@code state}; see {@link Configuration}. */
  private Configuration configuration(String state) {
    int frontier = okPending.nextSetBit(0);
    int[] pendingInfo = infoPending.get(0, frontier).stream().toArray();
    long[] above = linearized.get(frontier, Math.max(frontier, linearized.length())).toLongArray();
    return new Configuration(frontier, pendingInfo, above, state);
  }

  private static void lift(Entry call) {
    call.prev.next = call.next;
    call.next.prev = call.prev;
    Entry ret = call.match;
    ret.prev.next = ret.next;
    if (ret.next != null) {
      ret.next.prev = ret.prev;
    }
  }

  private static void unlift(Entry call) {
    Entry ret = call.match;
    ret.prev.next = ret;
    if (ret.next != null) {
      ret.next.prev = ret;
    }
    call.prev.next = call;
    call.next.prev = call;
  }

  /** A call or return in the time-ordered list. */
  private static final class Entry {
    final int op;
    final boolean call;
    final long time;
    int seq;
    Entry match;
    Entry prev;
    Entry next;

    Entry(int op, boolean call, long time) {
      this.op = op;
      this.call = call;
      this.time = time;
    }
  }

  /**
   * A linearized call, to undo on backtracking: the state before it, which pass chose it, and
   * whether it was forced (a read: no alternative at this point needs trying).
   */
  private record Frame(Entry entry, String stateBefore, int pass, boolean forced) {}

  /**
   * A memoised configuration: the set of linearized operations and the register state. The set is
   * stored compactly but canonically (so equal sets give equal keys, and memoisation stays exact):
   * {@code frontier} is the first {@code ok} operation (in invoke order) not linearized — every
   * {@code ok} operation before it is; {@code pendingInfo} lists the indeterminate operations
   * before the frontier that are not linearized; {@code above} is the set from the frontier on, as
   * bit words relative to it. Searches linearize roughly in invoke order, so this stays a few words
   * where a full bit set of a long history would take a kilobyte per configuration.
   */
  private static final class Configuration {
    final int frontier;
    final int[] pendingInfo;
    final long[] above;
    final String state;
    final int hash;

    Configuration(int frontier, int[] pendingInfo, long[] above, String state) {
      this.frontier = frontier;
      this.pendingInfo = pendingInfo;
      this.above = above;
      this.state = state;
      this.hash = ((frontier * 31 + Arrays.hashCode(pendingInfo)) * 31 + Arrays.hashCode(above)) * 31
          + Objects.hashCode(state);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Configuration c && c.hash == hash && c.frontier == frontier
          && Arrays.equals(c.above, above) && Arrays.equals(c.pendingInfo, pendingInfo)
          && Objects.equals(c.state, state);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
