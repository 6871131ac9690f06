package io.splitguard.chaos.run;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A nemesis's plan for one run: timed fault and heal steps, generated from the run seed by {@link
 * Nemeses#plan}. Leader-aware faults are resolved when applied; everything else is fixed here.
 *
 * @param nemesis the nemesis name
 * @param seed the run seed the schedule was drawn from
 * @param nodes the cluster size
 * @param duration the run time the schedule covers
 * @param steps the steps in time order; the last one is a heal (or there are none)
 */
public record NemesisSchedule(String nemesis, long seed, int nodes, Duration duration, List<Step> steps) {
  /** Checks the fields, the order of the steps and that the schedule ends healed. */
  public NemesisSchedule {
    Objects.requireNonNull(nemesis, "nemesis");
    Objects.requireNonNull(duration, "duration");
    steps = List.copyOf(steps);
    for (int i = 1; i < steps.size(); i++) {
      if (steps.get(i).at().compareTo(steps.get(i - 1).at()) < 0) {
        throw new IllegalArgumentException("steps out of order at " + i);
      }
    }
    if (!steps.isEmpty() && !(steps.get(steps.size() - 1) instanceof Step.Heal)) {
      throw new IllegalArgumentException("a schedule must end healed");
    }
  }

  /** The number of fault injections. */
  public long faults() {
    return steps.stream().filter(s -> s instanceof Step.Start).count();
  }

  /** One line per step, for the nemesis log: {@code +12.345s start partition-halves n1|n2,n3}. */
  public List<String> describe() {
    List<String> lines = new ArrayList<>();
    for (Step s : steps) {
      String what = s instanceof Step.Start start ? "start " + start.fault().describe() : "heal";
      lines.add(String.format(Locale.ROOT, "+%.3fs %s", s.at().toMillis() / 1000.0, what));
    }
    return lines;
  }
}
