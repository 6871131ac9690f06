package io.splitguard.chaos.run;

import java.time.Duration;
import java.util.List;

/** The catalogue of workloads. */
public final class Workloads {
  /** Workload names available now ({@code guarded} is also accepted, as an alias of {@code locks}). */
  public static final List<String> NAMES = List.of("register", "locks");

  private Workloads() {}

  /**
   * The workload called {@code name}.
   *
   * @param name {@code register}, or {@code locks} (alias {@code guarded})
   * @param keys the number of keys (register) or locks, each with its guarded resource (locks)
   * @param thinkTime mean pause between one client's operations
   * @throws IllegalArgumentException for an unknown name
   */
  public static Workload named(String name, int keys, Duration thinkTime) {
    return switch (name) {
      case "register" -> new RegisterWorkload(new RegisterWorkload.Options(keys,
          RegisterWorkload.Options.DEFAULT.readPercent(), RegisterWorkload.Options.DEFAULT.writePercent(),
          thinkTime, RegisterWorkload.Options.DEFAULT.finalReadTimeout()));
      case "locks", "guarded" -> new LockWorkload(LockWorkload.Options.DEFAULT.withLocks(keys).withThinkTime(thinkTime));
      default -> throw new IllegalArgumentException(
          "unknown workload '" + name + "'; known: " + String.join(", ", NAMES) + " (guarded = locks)");
    };
  }

  /**
   * The number of keys the workload uses unless told otherwise: 5 registers, or 2 locks (few locks
   * make clients contend for them, which is the point).
   *
   * @throws IllegalArgumentException for an unknown name
   */
  public static int defaultKeys(String name) {
    return switch (name) {
      case "register" -> RegisterWorkload.Options.DEFAULT.keys();
      case "locks", "guarded" -> LockWorkload.Options.DEFAULT.locks();
      default -> throw new IllegalArgumentException(
          "unknown workload '" + name + "'; known: " + String.join(", ", NAMES) + " (guarded = locks)");
    };
  }
}
