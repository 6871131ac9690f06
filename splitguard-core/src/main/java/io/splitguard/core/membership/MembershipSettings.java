package io.splitguard.core.membership;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of automatic membership changes ({@link AutoDemotion}) and of the catch-up check on
 * promotion. Defaults: {@link #defaults()}; {@link #validate()} refuses nonsense at start-up.
 *
 * @param autoDemote whether the leader demotes a voter that stayed unhealthy, unreachable or
 *     lagging (off by default: see docs/detection.md, "Automatic demotion")
 * @param autoPromote whether the leader promotes back a member it demoted itself once it has been
 *     healthy and caught up for {@code recoverAfter} (only takes effect with {@code autoDemote})
 * @param unhealthyAfter how long a voter must be continuously unhealthy, unreachable or lagging
 *     before a pending-eviction alert is raised
 * @param grace how long an alert stays pending before the voter is demoted; recovery during it
 *     cancels the alert
 * @param stabilityWindow no automatic change is made until the configuration has been unchanged
 *     (as this leader saw it) for this long
 * @param maxLagEntries a voter whose log is more than this many entries behind the leader's commit
 *     index is lagging
 * @param recoverAfter how long a demoted member must be healthy, reachable and caught up before it
 *     is promoted back
 * @param maxPromotionLagEntries the most entries a listener may be behind the commit index and
 *     still be promoted (by an operator or automatically)
 */
public record MembershipSettings(
    boolean autoDemote, boolean autoPromote, Duration unhealthyAfter, Duration grace,
    Duration stabilityWindow, long maxLagEntries, Duration recoverAfter, long maxPromotionLagEntries) {

  /** Checks for nulls; ranges are checked by {@link #validate()}. */
  public MembershipSettings {
    Objects.requireNonNull(unhealthyAfter, "unhealthyAfter");
    Objects.requireNonNull(grace, "grace");
    Objects.requireNonNull(stabilityWindow, "stabilityWindow");
    Objects.requireNonNull(recoverAfter, "recoverAfter");
  }

  /**
   * The defaults: automatic changes off; when enabled, 10 s of trouble raise an alert, 30 s of
   * grace, a 60 s stability window, 1000 entries of lag, 30 s of recovery before promotion back;
   * a listener within 100 entries may be promoted.
   */
  public static MembershipSettings defaults() {
    return new MembershipSettings(false, true, Duration.ofSeconds(10), Duration.ofSeconds(30),
        Duration.ofSeconds(60), 1000, Duration.ofSeconds(30), 100);
  }

  /**
   * Returns this if every value is usable.
   *
   * @throws IllegalArgumentException naming the setting ({@code membership.grace}, ...) and why
   */
  public MembershipSettings validate() {
    positive("membership.unhealthyAfter", unhealthyAfter);
    positive("membership.grace", grace);
    positive("membership.recoverAfter", recoverAfter);
    if (stabilityWindow.isNegative()) {
      throw new IllegalArgumentException("membership.stabilityWindow must not be negative, got " + stabilityWindow);
    }
    if (maxLagEntries < 1) {
      throw new IllegalArgumentException("membership.maxLagEntries must be at least 1, got " + maxLagEntries);
    }
    if (maxPromotionLagEntries < 0) {
      throw new IllegalArgumentException(
          "membership.maxPromotionLagEntries must not be negative, got " + maxPromotionLagEntries);
    }
    return this;
  }

  private static void positive(String name, Duration d) {
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d.toMillis() + " ms");
    }
  }
}
