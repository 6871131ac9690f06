package io.splitguard.chaos.run;

/**
 * How many events of each type a history holds.
 *
 * @param invoke invocations
 * @param ok completions that took effect
 * @param fail completions that certainly did not
 * @param info completions with an unknown outcome
 */
public record OpCounts(long invoke, long ok, long fail, long info) {
  /** No events. */
  public static final OpCounts ZERO = new OpCounts(0, 0, 0, 0);

  /** These counts plus one event of {@code type}. */
  public OpCounts plus(OpType type) {
    return switch (type) {
      case INVOKE -> new OpCounts(invoke + 1, ok, fail, info);
      case OK -> new OpCounts(invoke, ok + 1, fail, info);
      case FAIL -> new OpCounts(invoke, ok, fail + 1, info);
      case INFO -> new OpCounts(invoke, ok, fail, info + 1);
    };
  }

  /** {@code 1200 ops: 1100 ok, 80 fail, 20 info}. */
  @Override
  public String toString() {
    return invoke + " ops: " + ok + " ok, " + fail + " fail, " + info + " info";
  }
}
