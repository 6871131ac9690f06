package io.splitguard.chaos.check;

import io.splitguard.chaos.history.Fn;
import io.splitguard.chaos.history.Operation;
import io.splitguard.chaos.history.Outcome;
import io.splitguard.chaos.history.Value;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The register the linearizability searches check against, for one key's operations: a string or
 * null (missing), initially null. {@code read} ok with value v requires v; {@code write v} sets v;
 * {@code cas [e, n]} ok requires e and sets n; an indeterminate CAS applies only if e holds.
 *
 * <p>States are canonical: every value that no operation compares the state with (no read
 * returns it, no CAS expects it) is represented by one sentinel. The register behaves the same in
 * all such states — every ok read and ok CAS fails, every indeterminate CAS is a no-op — so
 * merging them is exact, and it divides the configurations a search memoises by the number of
 * such values (in a write-heavy workload, most of them).
 */
final class RegisterModel {
  /** Marks an illegal step; compared by identity, never a state. */
  static final Object ILLEGAL = new Object();

  private final Set<String> observed = new HashSet<>();
  private final String unobserved;

  /** The model for these operations (the ones the search will see). */
  RegisterModel(List<Operation> ops) {
    for (Operation op : ops) {
      if (op.f() == Fn.READ) {
        observed.add(op.output().text());
      } else if (op.f() == Fn.CAS) {
        observed.add(((Value.Swap) op.input()).expected());
      }
    }
    String sentinel = "\u0000unobserved";
    while (observed.contains(sentinel)) {
      sentinel += "'";
    }
    unobserved = sentinel;
  }

  /** The canonical initial state. */
  String initial() {
    return canonical(null);
  }

  /**
   * The canonical state after {@code op} in {@code state}, or {@link #ILLEGAL} when the operation's
   * result is impossible there.
   */
  Object step(Operation op, String state) {
    return switch (op.f()) {
      case READ -> Objects.equals(state, op.output().text()) ? state : ILLEGAL;
      case WRITE -> canonical(op.input().text());
      case CAS -> {
        Value.Swap swap = (Value.Swap) op.input();
        if (Objects.equals(state, swap.expected())) {
          yield canonical(swap.replacement());
        }
        // An ok CAS saw its precondition hold; an indeterminate one may simply not have applied.
        yield op.outcome() == Outcome.OK ? ILLEGAL : state;
      }
      default -> throw new IllegalArgumentException("not a register operation: " + op);
    };
  }

  /** Whether {@code op} is an indeterminate CAS that would not apply in {@code state}. */
  boolean isNoOp(Operation op, String state) {
    return op.f() == Fn.CAS && op.outcome() != Outcome.OK
        && !Objects.equals(state, ((Value.Swap) op.input()).expected());
  }

  /** A state for reports: the value, or a phrase for the sentinel. */
  String describe(String state) {
    return observed.contains(state) ? Value.of(state).toString() : "a value no read returned";
  }

  private String canonical(String value) {
    return observed.contains(value) ? value : unobserved;
  }
}
