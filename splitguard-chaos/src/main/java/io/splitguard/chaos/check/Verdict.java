package io.splitguard.chaos.check;

import java.util.List;
import java.util.Objects;

/**
 * What one checker concluded.
 *
 * @param checker {@code linearizability}, {@code lost-writes}, {@code locks} or {@code fencing}
 * @param validity the verdict
 * @param operations how many operations the checker examined (see each checker for which)
 * @param keys how many keys (or resources) it examined
 * @param violationCount how many violations it found (may exceed {@code violations().size()}
 *     when the list was capped)
 * @param violations the violations, capped (see {@link CheckOptions#maxViolations()})
 * @param unknown for an UNKNOWN verdict, which keys were undecided and why
 */
public record Verdict(
    String checker,
    Validity validity,
    long operations,
    int keys,
    int violationCount,
    List<Violation> violations,
    List<String> unknown) {

  /** Validates and copies. */
  public Verdict {
    Objects.requireNonNull(checker, "checker");
    Objects.requireNonNull(validity, "validity");
    violations = List.copyOf(violations);
    unknown = List.copyOf(unknown);
    if ((validity == Validity.INVALID) != (violationCount > 0)) {
      throw new IllegalArgumentException("INVALID iff there are violations: " + validity + ", " + violationCount);
    }
  }

  /** Builds a verdict, deriving the validity: INVALID with violations, else UNKNOWN with undecided keys, else VALID. */
  static Verdict of(String checker, long operations, int keys, List<Violation> all, List<String> unknown,
      int maxViolations) {
    Validity v = !all.isEmpty() ? Validity.INVALID : !unknown.isEmpty() ? Validity.UNKNOWN : Validity.VALID;
    return new Verdict(checker, v, operations, keys, all.size(),
        all.subList(0, Math.min(all.size(), maxViolations)), unknown);
  }
}
