package io.splitguard.chaos.run;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A named fault pattern. A nemesis fills each fault window of a {@link NemesisSchedule} with
 * steps, drawing every choice (which nodes, which sides, how slow) from the schedule's seeded
 * random stream; the same seed always gives the same schedule. The catalogue is in {@link Nemeses}.
 */
public sealed interface Nemesis permits Nemesis.Single, Nemesis.Flapping, Nemesis.Mix, Nemesis.None {

  /** The name used on the command line and in the history. */
  String name();

  /** What the nemesis does, for help texts. */
  String description();

  /** Whether this nemesis can run in the mode (partitions need network namespaces). */
  boolean supports(LaunchMode mode);

  /**
   * Appends the steps of one fault window: they start at {@code startMs}, and the last one is a
   * {@link Step.Heal} at or before {@code startMs + lengthMs}.
   */
  void window(SplittableRandom random, int nodes, long startMs, long lengthMs, NemesisTiming timing,
      List<Step> out);

  /** Draws one fault from the seeded stream. */
  @FunctionalInterface
  interface FaultPicker {
    /** One fault for a cluster of {@code nodes}. */
    Fault pick(SplittableRandom random, int nodes);
  }

  /**
   * One fault for the whole window, then heal.
   *
   * @param name the nemesis name
   * @param description what it does
   * @param modes the modes it runs in
   * @param picker draws the fault
   */
  record Single(String name, String description, Set<LaunchMode> modes, FaultPicker picker) implements Nemesis {
    /** Checks the fields. */
    public Single {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(description, "description");
      Objects.requireNonNull(picker, "picker");
      modes = Set.copyOf(modes);
    }

    @Override
    public boolean supports(LaunchMode mode) {
      return modes.contains(mode);
    }

    @Override
    public void window(SplittableRandom random, int nodes, long startMs, long lengthMs, NemesisTiming timing,
        List<Step> out) {
      out.add(new Step.Start(Duration.ofMillis(startMs), picker.pick(random, nodes)));
      out.add(new Step.Heal(Duration.ofMillis(startMs + lengthMs)));
    }
  }

  /**
   * One partition switched on and off rapidly (phases of {@code flapMin..flapMax}) during the
   * window: leadership and the failure detector must cope with links that come and go.
   *
   * @param picker draws the partition used for the whole window
   */
  record Flapping(FaultPicker picker) implements Nemesis {
    @Override
    public String name() {
      return "flapping";
    }

    @Override
    public String description() {
      return "a random halves partition switched on and off every "
          + "0.25-1 s during each fault window (netns only)";
    }

    @Override
    public boolean supports(LaunchMode mode) {
      return mode == LaunchMode.NETNS;
    }

    @Override
    public void window(SplittableRandom random, int nodes, long startMs, long lengthMs, NemesisTiming timing,
        List<Step> out) {
      Fault fault = picker.pick(random, nodes);
      long end = startMs + lengthMs;
      long t = startMs;
      long flapMin = timing.flapMin().toMillis();
      long flapMax = timing.flapMax().toMillis();
      do {
        long on = Math.min(Seeds.between(random, flapMin, flapMax), end - t);
        out.add(new Step.Start(Duration.ofMillis(t), fault));
        t += on;
        out.add(new Step.Heal(Duration.ofMillis(t)));
        t += Seeds.between(random, flapMin, flapMax);
      } while (t + flapMin <= end);
    }
  }

  /**
   * Picks another nemesis at random for every window (among those that support the mode).
   *
   * @param choices the nemeses to choose from, in a fixed order
   */
  record Mix(List<Nemesis> choices) implements Nemesis {
    /** Freezes the choices. */
    public Mix {
      choices = List.copyOf(choices);
      if (choices.isEmpty()) {
        throw new IllegalArgumentException("mix needs at least one nemesis to choose from");
      }
    }

    @Override
    public String name() {
      return "mix";
    }

    @Override
    public String description() {
      List<String> names = new ArrayList<>();
      choices.forEach(c -> names.add(c.name()));
      return "a random choice per fault window among " + String.join(", ", names);
    }

    @Override
    public boolean supports(LaunchMode mode) {
      return choices.stream().allMatch(c -> c.supports(mode));
    }

    @Override
    public void window(SplittableRandom random, int nodes, long startMs, long lengthMs, NemesisTiming timing,
        List<Step> out) {
      choices.get(random.nextInt(choices.size())).window(random, nodes, startMs, lengthMs, timing, out);
    }
  }

  /** No faults at all: a baseline run. */
  record None() implements Nemesis {
    @Override
    public String name() {
      return "none";
    }

    @Override
    public String description() {
      return "no faults (baseline)";
    }

    @Override
    public boolean supports(LaunchMode mode) {
      return true;
    }

    @Override
    public void window(SplittableRandom random, int nodes, long startMs, long lengthMs, NemesisTiming timing,
        List<Step> out) {
      // nothing to inject
    }
  }

  /** Both modes. */
  static Set<LaunchMode> anyMode() {
    return EnumSet.allOf(LaunchMode.class);
  }
}
