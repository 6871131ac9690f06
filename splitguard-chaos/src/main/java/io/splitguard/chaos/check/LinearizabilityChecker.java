package io.splitguard.chaos.check;

import io.splitguard.chaos.history.Fn;
import io.splitguard.chaos.history.History;
import io.splitguard.chaos.history.Operation;
import io.splitguard.chaos.history.Outcome;
import io.splitguard.chaos.history.Value;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Checks that a register history is linearizable: that there is one total order of the operations,
 * consistent with real time (an operation that returned before another was invoked comes first),
 * in which every {@code ok} result is what a single register would have answered.
 *
 * <p><b>Model.</b> A register of string-or-null, initially null (missing). {@code read} ok with
 * value v requires the state to be v. {@code write v} sets v. {@code cas [e, n]} ok requires e and
 * sets n.
 *
 * <p><b>What counts.</b> {@code fail} operations certainly did not happen and are dropped; so are
 * reads that did not complete {@code ok} (they observed nothing). An {@code info} write or CAS (or
 * an invoke never completed) may take effect at any time after its invoke, or never: its return is
 * at +infinity, an {@code info} CAS whose precondition does not hold at its linearization point is
 * a no-op, and the search succeeds once every {@code ok} operation is linearized (the remaining
 * indeterminate ones can always go last, where they change nothing anyone saw).
 *
 * <p><b>Algorithm.</b> Per key (P-compositionality: a register history is linearizable iff each
 * key's sub-history is), the Wing–Gong–Lowe search as in Porcupine: call and return entries sorted
 * by time (a call before a return at the same instant, which treats touching operations as
 * concurrent — the lenient choice) in a doubly linked list; the search linearizes the first call
 * it can (lifting it and its return out of the list), backtracks when it meets the return of an
 * operation it has not linearized, and memoises (set of linearized operations, register state) to
 * never explore a configuration twice.
 *
 * <p><b>Fallback.</b> When the depth-first search exhausts its budget (typically a long,
 * contended history that is broken: proving that no order exists means exhausting every order of
 * the prefix), the key is searched again breadth-first with Lowe's just-in-time linearization
 * ({@link FrontierSearch}), which finds the first operation nothing explains without revisiting
 * the past.
 *
 * <p><b>Search order.</b> Refinements that only change which alternatives are tried first or skip
 * ones that cannot matter, never which histories pass. At each point the {@code ok} reads are tried
 * first, then the {@code ok} writes and CASes, then the indeterminate operations (a timed-out write
 * is usually best placed late; trying it early sends the search down long dead ends). A read whose
 * value matches the current state is linearized at once and never reconsidered: in any order that
 * works from here, the read can be moved to the front, since it changes nothing and nothing
 * unlinearized has to precede it. States that nobody compares with are merged ({@link
 * RegisterModel}).
 *
 * <p><b>Pruning.</b> An indeterminate write or CAS whose new value nobody ever observes (no {@code
 * ok} read returns it, no CAS expects it) is removed before the search: if a linearization uses it,
 * the same order without it (and without any indeterminate CAS that became a no-op in its shadow)
 * is also one. Timeouts are common under faults, and each one left in would double the search
 * space of a broken history.
 *
 * <p><b>Budget.</b> Each search of a key stops after memoising a budget of configurations (which
 * bounds its memory; the time per configuration is bounded too); if both give up the key is
 * UNKNOWN, never silently passed. The budget counts configurations, not wall-clock time, so a
 * verdict is the same on any machine.
 *
 * <p><b>Violations.</b> For a key that cannot be linearized the report names the operation where
 * the search got stuck (depth-first: the earliest-returning operation it could not place at the
 * deepest point reached; just-in-time: the first operation no configuration explains), the
 * operations concurrent with it plus the few that completed just before it, and either the tail of
 * the longest linearizable prefix with the register's state after it, or the states the register
 * could be in just before.
 */
public final class LinearizabilityChecker {
  /** Checker name in reports. */
  public static final String NAME = "linearizability";

  private static final int MAX_CONCURRENT_SHOWN = 20;
  private static final int CONTEXT_SHOWN = 3;
  private static final int PREFIX_SHOWN = 10;

  private final CheckOptions options;

  /** A checker with the given budget and violation cap. */
  public LinearizabilityChecker(CheckOptions options) {
    this.options = Objects.requireNonNull(options, "options");
  }

  /** A checker with {@link CheckOptions#DEFAULTS}. */
  public LinearizabilityChecker() {
    this(CheckOptions.DEFAULTS);
  }

  /**
   * Checks every key of the history. Keys are independent, so they are searched in parallel; the
   * result does not depend on the scheduling.
   *
   * @return INVALID if some key is not linearizable; else UNKNOWN if some key exhausted its budget;
   *     else VALID. {@code operations} counts the operations that are not {@code fail}.
   */
  public Verdict check(History history) {
    List<Map.Entry<String, List<Operation>>> keys = new ArrayList<>(history.byKey().entrySet());
    List<KeyResult> results = keys.parallelStream()
        .map(e -> checkKey(e.getKey(), e.getValue(), history.startTime()))
        .toList();
    List<Violation> violations = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    long operations = 0;
    for (KeyResult r : results) {
      operations += r.operations();
      if (r.violation() != null) {
        violations.add(r.violation());
      }
      if (r.validity() == Validity.UNKNOWN) {
        unknown.add(r.key() + ": " + r.unknownReason());
      }
    }
    return Verdict.of(NAME, operations, keys.size(), violations, unknown, options.maxViolations());
  }

  /**
   * The result for one key.
   *
   * @param key the key
   * @param validity VALID, INVALID or UNKNOWN
   * @param operations operations considered (not {@code fail})
   * @param decidedBy which search decided: {@code wgl}, {@code frontier}, or {@code none}
   * @param violation the violation when INVALID, else null
   * @param unknownReason why the key is UNKNOWN, else null
   */
  record KeyResult(String key, Validity validity, int operations, String decidedBy, Violation violation,
      String unknownReason) {}

  /** Checks one key's operations (any order; {@code fail} ones are dropped here). */
  KeyResult checkKey(String key, List<Operation> keyOps, long historyStart) {
    int considered = (int) keyOps.stream().filter(o -> o.outcome() != Outcome.FAIL).count();
    List<Operation> ops = new ArrayList<>(relevant(keyOps));
    // Index operations in invoke order: the compact memo keys rely on it.
    ops.sort(Comparator.comparingLong(Operation::invokeTime).thenComparingInt(Operation::id));
    RegisterModel model = new RegisterModel(ops);
    long budget = options.searchBudgetPerKey();
    WglSearch wgl = new WglSearch(ops, model);
    wgl.run(budget);
    switch (wgl.result) {
      case VALID:
        return new KeyResult(key, Validity.VALID, considered, "wgl", null, null);
      case INVALID: {
        List<String> details = new ArrayList<>();
        List<Integer> prefix = wgl.prefix;
        details.add("longest linearizable prefix: " + prefix.size() + " operations"
            + (prefix.size() > PREFIX_SHOWN ? " (last " + PREFIX_SHOWN + " shown)" : "")
            + ", after which the register holds " + model.describe(wgl.stateAfterPrefix));
        for (int i = Math.max(0, prefix.size() - PREFIX_SHOWN); i < prefix.size(); i++) {
          details.add("  " + (i + 1) + ". " + Times.describe(ops.get(prefix.get(i)), historyStart));
        }
        return new KeyResult(key, Validity.INVALID, considered, "wgl",
            violation(key, ops, ops.get(wgl.culprit), historyStart, details), null);
      }
      default:
        break;
    }
    // The depth-first search ran out of budget (typically a long, contended, broken history):
    // the breadth-first one decides such histories at the first operation nothing explains.
    FrontierSearch frontier = new FrontierSearch(ops, model);
    frontier.run(budget);
    return switch (frontier.result) {
      case VALID -> new KeyResult(key, Validity.VALID, considered, "frontier", null, null);
      case INVALID -> new KeyResult(key, Validity.INVALID, considered, "frontier",
          violation(key, ops, ops.get(frontier.culprit), historyStart, List.of(
              "register states possible just before it returned: " + String.join(", ", frontier.statesBefore),
              "(decided by the just-in-time search: the depth-first search exhausted its budget of "
                  + budget + " configurations)")),
          null);
      case UNKNOWN -> new KeyResult(key, Validity.UNKNOWN, considered, "none", null,
          "search budget of " + budget + " configurations exhausted by both searches ("
              + ops.size() + " operations, " + (ops.size() - ops.stream().filter(o -> o.outcome() == Outcome.OK).count())
              + " indeterminate; depth-first took " + wgl.steps + " steps, just-in-time "
              + frontier.steps + ")");
    };
  }

  /**
   * Drops {@code fail} operations and non-ok reads, and prunes indeterminate writes whose value is
   * never observed (see the class comment for why that is sound).
   */
  static List<Operation> relevant(List<Operation> keyOps) {
    Set<String> observed = new HashSet<>();
    for (Operation op : keyOps) {
      if (op.outcome() == Outcome.FAIL) {
        continue;
      }
      if (op.f() == Fn.READ && op.outcome() == Outcome.OK) {
        observed.add(op.output().text());
      } else if (op.f() == Fn.CAS) {
        observed.add(((Value.Swap) op.input()).expected());
      }
    }
    List<Operation> result = new ArrayList<>();
    for (Operation op : keyOps) {
      boolean keep = switch (op.outcome()) {
        case FAIL -> false;
        case OK -> true;
        case INFO -> op.writes() && observed.contains(op.written());
      };
      if (keep) {
        result.add(op);
      }
    }
    return result;
  }

  /**
   * The violation for {@code culprit}: the operations concurrent with it (nearest first, capped)
   * and the few that completed just before it, in invoke order.
   */
  private static Violation violation(String key, List<Operation> ops, Operation culprit, long start,
      List<String> details) {
    List<Operation> concurrent = new ArrayList<>();
    List<Operation> before = new ArrayList<>();
    for (Operation op : ops) {
      if (op == culprit) {
        continue;
      }
      if (op.invokeTime() <= culprit.completeTime() && op.completeTime() >= culprit.invokeTime()) {
        concurrent.add(op);
      } else if (op.completeTime() < culprit.invokeTime()) {
        before.add(op);
      }
    }
    concurrent.sort(Comparator.comparingLong(
        (Operation o) -> Math.abs(o.invokeTime() - culprit.invokeTime())).thenComparingInt(Operation::id));
    if (concurrent.size() > MAX_CONCURRENT_SHOWN) {
      concurrent = new ArrayList<>(concurrent.subList(0, MAX_CONCURRENT_SHOWN));
    }
    before.sort(Comparator.comparingLong(Operation::completeTime).reversed());
    if (before.size() > CONTEXT_SHOWN) {
      before = new ArrayList<>(before.subList(0, CONTEXT_SHOWN));
    }
    List<Operation> shown = new ArrayList<>(before);
    shown.addAll(concurrent);
    shown.add(culprit);
    shown.sort(Comparator.comparingLong(Operation::invokeTime).thenComparingInt(Operation::id));
    List<WindowEntry> window = new ArrayList<>();
    for (Operation op : shown) {
      window.add(Times.entry(op, start, op == culprit ? "could not be linearized" : ""));
    }
    String message = "no order of the operations on " + key + " consistent with real time explains "
        + Times.describe(culprit, start) + "; " + (concurrent.size() + before.size())
        + " related operations shown";
    return new Violation(key, "non-linearizable", message, window, details);
  }
}
