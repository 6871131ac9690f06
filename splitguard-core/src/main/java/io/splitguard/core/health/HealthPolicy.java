package io.splitguard.core.health;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a {@link HealthSample} into a {@link HealthReport}. Thresholds are deliberately coarse:
 * health decides who should lead and who may be demoted, so it must not flap on noise.
 *
 * <ul>
 *   <li>disk: DEGRADED below 10% free, UNHEALTHY below 2% free or 256 MiB;
 *   <li>fsync: DEGRADED above 50 ms, UNHEALTHY above 500 ms for one small write;
 *   <li>heap: DEGRADED above 85% used after collection, UNHEALTHY above 95%;
 *   <li>a recent process pause: UNHEALTHY (a leader that stalls stalls the cluster).
 * </ul>
 */
public final class HealthPolicy {
  private static final long MIB = 1024 * 1024;

  private HealthPolicy() {}

  /** The report for {@code s}. */
  public static HealthReport assess(HealthSample s) {
    List<String> reasons = new ArrayList<>();
    HealthLevel level = HealthLevel.HEALTHY;
    if (s.diskTotalBytes() > 0) {
      double free = (double) s.diskFreeBytes() / s.diskTotalBytes();
      if (free < 0.02 || s.diskFreeBytes() < 256 * MIB) {
        level = worse(level, HealthLevel.UNHEALTHY);
        reasons.add(String.format("disk nearly full: %d MiB free (%.1f%%)", s.diskFreeBytes() / MIB, free * 100));
      } else if (free < 0.10) {
        level = worse(level, HealthLevel.DEGRADED);
        reasons.add(String.format("disk filling up: %d MiB free (%.1f%%)", s.diskFreeBytes() / MIB, free * 100));
      }
    }
    long fsyncMs = s.fsyncNanos() / 1_000_000;
    if (fsyncMs > 500) {
      level = worse(level, HealthLevel.UNHEALTHY);
      reasons.add("fsync took " + fsyncMs + " ms (> 500 ms)");
    } else if (fsyncMs > 50) {
      level = worse(level, HealthLevel.DEGRADED);
      reasons.add("fsync took " + fsyncMs + " ms (> 50 ms)");
    }
    if (s.heapMaxBytes() > 0) {
      double used = (double) s.heapUsedBytes() / s.heapMaxBytes();
      if (used > 0.95) {
        level = worse(level, HealthLevel.UNHEALTHY);
        reasons.add(String.format("heap %.0f%% used", used * 100));
      } else if (used > 0.85) {
        level = worse(level, HealthLevel.DEGRADED);
        reasons.add(String.format("heap %.0f%% used", used * 100));
      }
    }
    if (s.pausedRecently()) {
      level = worse(level, HealthLevel.UNHEALTHY);
      reasons.add("the process was paused recently");
    }
    return new HealthReport(level, reasons);
  }

  private static HealthLevel worse(HealthLevel a, HealthLevel b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
