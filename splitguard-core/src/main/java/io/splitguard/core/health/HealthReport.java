package io.splitguard.core.health;

import java.util.List;

/**
 * A node's health and the reasons for it, as it reports it in heartbeats and {@code /v1/status}.
 *
 * @param level the worst level any rule gave
 * @param reasons one line per rule that was not {@link HealthLevel#HEALTHY}, with the numbers
 */
public record HealthReport(HealthLevel level, List<String> reasons) {
  /** Copies the reasons. */
  public HealthReport {
    reasons = List.copyOf(reasons);
  }

  /** A healthy report with no reasons. */
  public static final HealthReport HEALTHY = new HealthReport(HealthLevel.HEALTHY, List.of());
}
