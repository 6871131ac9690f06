package io.splitguard.server;

/**
 * Deliberately broken behaviour, switched on only by hidden test flags, so that the partition
 * test harness can prove it catches a broken system. Never enable in production.
 *
 * @param localLinearizableReads serve "linearizable" reads from local state, without read index
 *     and without the quorum gate: a minority node then returns stale values as if they were
 *     current
 */
public record TestFaults(boolean localLinearizableReads) {
  /** No faults: correct behaviour. */
  public static final TestFaults NONE = new TestFaults(false);

  /** Whether any fault is enabled. */
  public boolean any() {
    return localLinearizableReads;
  }
}
