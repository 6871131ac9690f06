package io.splitguard.chaos.check;

import io.splitguard.chaos.history.Fn;
import io.splitguard.chaos.history.Operation;
import io.splitguard.chaos.history.Outcome;
import io.splitguard.chaos.history.Value;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Lowe's just-in-time linearization, breadth-first over time (the algorithm of Knossos's {@code
 * linear} checker): the fallback of {@link LinearizabilityChecker} when the depth-first search
 * runs out of budget.
 *
 * <p>Events are processed in time order while keeping the <em>frontier</em>: every configuration
 * (which open operations are already linearized, register state) that some linearization of the
 * history so far can be in. A call opens an operation. At the return of an {@code ok} operation,
 * each configuration is extended by linearizing open operations until that one is (and no
 * further: the rest can wait, just in time); configurations that cannot are dropped. If none is
 * left, no linearization explains that operation, and the verdict is INVALID right there — unlike
 * the depth-first search, a broken history costs no more than a correct one, and memory does not
 * grow along the history.
 *
 * <p>Refinements, none of which changes a verdict: a read that fits the current state is
 * linearized at once (it can always move to the front); an indeterminate CAS is only ever
 * linearized where it applies (not applying is the same as never happening); a configuration
 * that differs from another only by having linearized more indeterminate operations is dropped
 * (see {@link #dropDominated}); and an
 * indeterminate write or CAS is dropped from the open set once the last operation that compares
 * with its value has returned (taking effect later would only change the state to a value nobody
 * looks at, which never helps).
 */
final class FrontierSearch {
  private static final int CALL = 0;
  private static final int RETURN = 1;
  private static final int EXPIRE = 2;
  private static final int[] NONE = new int[0];

  private final List<Operation> ops;
  private final RegisterModel model;
  private final BitSet open = new BitSet();
  private final BitSet openReads = new BitSet();

  /** VALID, INVALID or UNKNOWN once {@link #run} returned. */
  Validity result;
  /** Extensions tried. */
  long steps;
  /** For INVALID: the operation no configuration could linearize, else -1. */
  int culprit = -1;
  /** For INVALID: the register states possible just before the culprit returned. */
  List<String> statesBefore = List.of();
  /** The largest frontier seen. */
  int largestFrontier;

  /**
   * Prepares the search.
   *
   * @param ops the operations ({@code fail} and non-ok reads removed)
   */
  FrontierSearch(List<Operation> ops, RegisterModel model) {
    this.ops = ops;
    this.model = model;
  }

  private record Event(long time, int kind, int op) {}

  /**
   * Searches until decided, or until one frontier or one extension exceeds {@code budget}
   * configurations, or the extensions tried exceed {@code budget} times the per-configuration
   * step allowance.
   */
  void run(long budget) {
    List<Event> events = new ArrayList<>();
    long[] expiry = expiries();
    for (int i = 0; i < ops.size(); i++) {
      Operation op = ops.get(i);
      events.add(new Event(op.invokeTime(), CALL, i));
      if (op.outcome() == Outcome.OK) {
        events.add(new Event(op.endTime(), RETURN, i));
      } else if (expiry[i] != Long.MAX_VALUE) {
        events.add(new Event(expiry[i], EXPIRE, i));
      }
    }
    // Calls before returns at the same instant (touching operations overlap); expiries last, after
    // the returns of the observers that define them.
    events.sort(Comparator.comparingLong(Event::time).thenComparingInt(Event::kind).thenComparingInt(Event::op));
    Set<Config> frontier = new HashSet<>();
    frontier.add(new Config(NONE, NONE, model.initial()));
    long stepBudget = budget * WglSearch.STEPS_PER_CONFIGURATION;
    for (Event e : events) {
      switch (e.kind()) {
        case CALL -> {
          open.set(e.op());
          if (ops.get(e.op()).f() == Fn.READ) {
            openReads.set(e.op());
          }
        }
        case EXPIRE -> {
          open.clear(e.op());
          Set<Config> next = new HashSet<>();
          for (Config c : frontier) {
            next.add(c.without(e.op()));
          }
          frontier = dropDominated(next);
        }
        default -> {
          Set<Config> next = extend(frontier, e.op(), budget, stepBudget);
          if (next == null) {
            result = Validity.UNKNOWN;
            return;
          }
          if (next.isEmpty()) {
            result = Validity.INVALID;
            culprit = e.op();
            Set<String> states = new TreeSet<>();
            frontier.forEach(c -> states.add(model.describe(c.state())));
            statesBefore = new ArrayList<>(states);
            return;
          }
          open.clear(e.op());
          openReads.clear(e.op());
          frontier = dropDominated(next);
          largestFrontier = Math.max(largestFrontier, frontier.size());
          if (frontier.size() >= budget) {
            result = Validity.UNKNOWN;
            return;
          }
        }
      }
    }
    result = Validity.VALID;
  }

  /**
   * The configurations reachable from {@code frontier} by linearizing open operations up to and
   * including {@code target}, with {@code target} then removed (it is closed); null when over
   * budget.
   */
  private Set<Config> extend(Set<Config> frontier, int target, long budget, long stepBudget) {
    Set<Config> next = new HashSet<>();
    Seen visited = new Seen();
    Deque<Config> stack = new ArrayDeque<>();
    for (Config c : frontier) {
      Config d = absorbReads(c);
      if (d.contains(target)) {
        next.add(d.without(target));
      } else if (visited.add(d)) {
        stack.push(d);
      }
    }
    while (!stack.isEmpty()) {
      Config d = stack.pop();
      for (int j = open.nextSetBit(0); j >= 0; j = open.nextSetBit(j + 1)) {
        Operation op = ops.get(j);
        // Reads join only through absorbReads; a CAS that would not apply is pointless.
        if (op.f() == Fn.READ || d.contains(j) || model.isNoOp(op, d.state())) {
          continue;
        }
        Object s = model.step(op, d.state());
        if (s == RegisterModel.ILLEGAL) {
          continue;
        }
        if (++steps > stepBudget) {
          return null;
        }
        Config e = absorbReads(d.with(j, op.outcome() != Outcome.OK, (String) s));
        if (e.contains(target)) {
          next.add(e.without(target));
        } else if (visited.add(e)) {
          if (visited.size() >= budget) {
            return null;
          }
          stack.push(e);
        }
      }
    }
    return next;
  }

  /** Linearizes every open read that the state satisfies (always allowed, never harmful). */
  private Config absorbReads(Config c) {
    Config result = c;
    for (int r = openReads.nextSetBit(0); r >= 0; r = openReads.nextSetBit(r + 1)) {
      if (!result.contains(r) && Objects.equals(ops.get(r).output().text(), c.state())) {
        result = result.with(r, false, c.state());
      }
    }
    return result;
  }

  /**
   * When each indeterminate write or CAS stops mattering: the last return of an {@code ok} read of
   * its value or {@code ok} CAS expecting it (never, if an indeterminate CAS expects it), and not
   * before its own invoke.
   */
  private long[] expiries() {
    Map<String, Long> lastObserved = new HashMap<>();
    Set<String> neverExpire = new HashSet<>();
    for (Operation op : ops) {
      if (op.f() == Fn.READ) {
        lastObserved.merge(op.output().text(), op.endTime(), Math::max);
      } else if (op.f() == Fn.CAS) {
        String expected = ((Value.Swap) op.input()).expected();
        if (op.outcome() == Outcome.OK) {
          lastObserved.merge(expected, op.endTime(), Math::max);
        } else {
          neverExpire.add(expected);
        }
      }
    }
    long[] result = new long[ops.size()];
    for (int i = 0; i < ops.size(); i++) {
      Operation op = ops.get(i);
      String v = op.written();
      result[i] = op.outcome() == Outcome.OK || neverExpire.contains(v) || !lastObserved.containsKey(v)
          ? Long.MAX_VALUE
          : Math.max(op.invokeTime(), lastObserved.get(v));
    }
    return result;
  }

  /**
   * Which open operations are linearized (sorted indices: {@code ok} ones and indeterminate ones
   * apart, for {@link #dropDominated}) and the state after them.
   */
  private record Config(int[] ok, int[] info, String state) {
    boolean contains(int op) {
      return Arrays.binarySearch(ok, op) >= 0 || Arrays.binarySearch(info, op) >= 0;
    }

    Config with(int op, boolean indeterminate, String newState) {
      return indeterminate ? new Config(ok, insert(info, op), newState) : new Config(insert(ok, op), info, newState);
    }

    Config without(int op) {
      int at = Arrays.binarySearch(ok, op);
      if (at >= 0) {
        return new Config(remove(ok, at), info, state);
      }
      at = Arrays.binarySearch(info, op);
      return at >= 0 ? new Config(ok, remove(info, at), state) : this;
    }

    private static int[] insert(int[] a, int op) {
      int at = -Arrays.binarySearch(a, op) - 1;
      int[] l = new int[a.length + 1];
      System.arraycopy(a, 0, l, 0, at);
      l[at] = op;
      System.arraycopy(a, at, l, at + 1, a.length - at);
      return l;
    }

    private static int[] remove(int[] a, int at) {
      int[] l = new int[a.length - 1];
      System.arraycopy(a, 0, l, 0, at);
      System.arraycopy(a, at + 1, l, at, a.length - at - 1);
      return l;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Config c && Arrays.equals(c.ok, ok) && Arrays.equals(c.info, info)
          && Objects.equals(c.state, state);
    }

    @Override
    public int hashCode() {
      return (Arrays.hashCode(ok) * 31 + Arrays.hashCode(info)) * 31 + Objects.hashCode(state);
    }

    @Override
    public String toString() {
      return Arrays.toString(ok) + " " + Arrays.toString(info) + " " + state;
    }
  }

  /** The part of a configuration that dominance compares within: ok operations and state. */
  private record Group(int[] ok, String state) {
    static Group of(Config c) {
      return new Group(c.ok(), c.state());
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Group g && Arrays.equals(g.ok, ok) && Objects.equals(g.state, state);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(ok) * 31 + Objects.hashCode(state);
    }

    @Override
    public String toString() {
      return Arrays.toString(ok) + " " + state;
    }
  }

  /**
   * Configurations seen during one extension, minimal per {@link Group}: a configuration is new
   * unless one with a subset of its indeterminate operations was seen (which can reach everything
   * it can).
   */
  private static final class Seen {
    private final Map<Group, List<int[]>> minimal = new HashMap<>();
    private int size;

    boolean add(Config c) {
      List<int[]> sets = minimal.computeIfAbsent(Group.of(c), g -> new ArrayList<>());
      for (int[] m : sets) {
        if (isSubset(m, c.info())) {
          return false;
        }
      }
      sets.add(c.info());
      size++;
      return true;
    }

    int size() {
      return size;
    }
  }

  /**
   * Drops configurations dominated by another: same state, same {@code ok} operations linearized,
   * and a superset of the other's indeterminate ones. The other can do everything this one can
   * (an indeterminate operation may also never happen), so this one adds nothing. Without this,
   * every open timeout would double the frontier.
   */
  private static Set<Config> dropDominated(Set<Config> configs) {
    Map<Group, List<Config>> groups = new HashMap<>();
    for (Config c : configs) {
      groups.computeIfAbsent(Group.of(c), g -> new ArrayList<>()).add(c);
    }
    Set<Config> kept = new HashSet<>();
    for (List<Config> group : groups.values()) {
      if (group.size() == 1) {
        kept.add(group.get(0));
        continue;
      }
      group.sort(Comparator.comparingInt(c -> c.info().length));
      List<Config> minimal = new ArrayList<>();
      for (Config c : group) {
        if (minimal.stream().noneMatch(m -> isSubset(m.info(), c.info()))) {
          minimal.add(c);
        }
      }
      kept.addAll(minimal);
    }
    return kept;
  }

  private static boolean isSubset(int[] small, int[] large) {
    int j = 0;
    for (int x : small) {
      while (j < large.length && large[j] < x) {
        j++;
      }
      if (j == large.length || large[j] != x) {
        return false;
      }
      j++;
    }
    return true;
  }
}
