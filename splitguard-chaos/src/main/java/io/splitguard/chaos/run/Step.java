package io.splitguard.chaos.run;

import java.time.Duration;
import java.util.Objects;

/** One timed step of a nemesis schedule, at an offset from the start of the run. */
public sealed interface Step {
  /** When the step happens, measured from the start of the run. */
  Duration at();

  /**
   * Injects a fault.
   *
   * @param at offset from the run start
   * @param fault what to inject
   */
  record Start(Duration at, Fault fault) implements Step {
    /** Checks the fields. */
    public Start {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(fault, "fault");
    }
  }

  /**
   * Heals everything: network rules removed, paused nodes resumed, killed nodes restarted.
   *
   * @param at offset from the run start
   */
  record Heal(Duration at) implements Step {
    /** Checks the field. */
    public Heal {
      Objects.requireNonNull(at, "at");
    }
  }
}
