package io.splitguard.chaos.run;

import java.time.Duration;
import java.util.List;

/** The catalogue of workloads. */
public final class Workloads {
  /** Workload names available now. */
  public static final List<String> NAMES = List.of("register");

  private Workloads() {}

  /**
   * The workload called {@code name}.
   *
   * @param name {@code register}
   * @param keys the number of keys
   * @param thinkTime mean pause between one client's operations
   * @throws IllegalArgumentException for an unknown name
   */
  public static Workload named(String name, int keys, Duration thinkTime) {
    return switch (name) {
      case "register" -> new RegisterWorkload(new RegisterWorkload.Options(keys,
          RegisterWorkload.Options.DEFAULT.readPercent(), RegisterWorkload.Options.DEFAULT.writePercent(),
          thinkTime, RegisterWorkload.Options.DEFAULT.finalReadTimeout()));
      case "locks", "guarded" -> throw new IllegalArgumentException(
          "workload '" + name + "' needs the lock and fencing endpoints, which are not built yet; known: "
              + String.join(", ", NAMES));
      default -> throw new IllegalArgumentException(
          "unknown workload '" + name + "'; known: " + String.join(", ", NAMES));
    };
  }
}
