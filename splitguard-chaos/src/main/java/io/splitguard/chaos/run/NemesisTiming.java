package io.splitguard.chaos.run;

import java.time.Duration;
import java.util.Objects;

/**
 * The shape of a nemesis schedule: quiet for {@code quietMin..quietMax}, fault for {@code
 * faultMin..faultMax}, heal, repeat; the last {@code finalQuiet} of the run (at most a third of it)
 * is always healed, so the cluster can recover while clients still run. Flapping toggles its
 * partition every {@code flapMin..flapMax} inside a fault window.
 *
 * @param quietMin shortest quiet gap
 * @param quietMax longest quiet gap
 * @param faultMin shortest fault window
 * @param faultMax longest fault window
 * @param flapMin shortest on or off phase of {@code flapping}
 * @param flapMax longest on or off phase of {@code flapping}
 * @param finalQuiet healed time at the end of the run
 */
public record NemesisTiming(
    Duration quietMin, Duration quietMax, Duration faultMin, Duration faultMax,
    Duration flapMin, Duration flapMax, Duration finalQuiet) {

  /** Quiet 2-5 s, fault 3-8 s, flap 250 ms-1 s, final quiet 5 s: the product's defaults. */
  public static final NemesisTiming DEFAULT = new NemesisTiming(
      Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(3), Duration.ofSeconds(8),
      Duration.ofMillis(250), Duration.ofSeconds(1), Duration.ofSeconds(5));

  /** Checks that every range is non-empty and positive. */
  public NemesisTiming {
    range("quiet", quietMin, quietMax);
    range("fault", faultMin, faultMax);
    range("flap", flapMin, flapMax);
    Objects.requireNonNull(finalQuiet, "finalQuiet");
    if (finalQuiet.isNegative()) {
      throw new IllegalArgumentException("finalQuiet must not be negative");
    }
  }

  /** The healed tail for a run of {@code duration}: {@link #finalQuiet}, at most a third of the run. */
  public Duration finalQuietFor(Duration duration) {
    Duration third = duration.dividedBy(3);
    return finalQuiet.compareTo(third) > 0 ? third : finalQuiet;
  }

  private static void range(String what, Duration min, Duration max) {
    Objects.requireNonNull(min, what + "Min");
    Objects.requireNonNull(max, what + "Max");
    if (min.toMillis() <= 0 || max.compareTo(min) < 0) {
      throw new IllegalArgumentException(what + ": need 0 < min <= max, got " + min + ".." + max);
    }
  }
}
