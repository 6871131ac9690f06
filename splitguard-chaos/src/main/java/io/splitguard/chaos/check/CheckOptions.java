package io.splitguard.chaos.check;

/**
 * Knobs of {@link HistoryCheck}.
 *
 * @param searchBudgetPerKey how many configurations the linearizability search may memoise for
 *     one key before declaring it UNKNOWN (each takes some tens of bytes; keys are searched in
 *     parallel); a count rather than a time limit keeps the verdict the same on any machine
 * @param maxViolations how many violations each verdict lists in full (all are counted)
 */
public record CheckOptions(long searchBudgetPerKey, int maxViolations) {

  /**
   * 500,000 configurations per key (tens of megabytes, about a second), twenty violations per
   * checker.
   */
  public static final CheckOptions DEFAULTS = new CheckOptions(500_000, 20);

  /** Validates the fields. */
  public CheckOptions {
    if (searchBudgetPerKey < 1 || maxViolations < 1) {
      throw new IllegalArgumentException("budget and violation cap must be positive");
    }
  }
}
