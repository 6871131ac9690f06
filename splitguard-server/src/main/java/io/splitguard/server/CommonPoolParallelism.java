package io.splitguard.server;

import java.util.Optional;
import java.util.concurrent.ForkJoinPool;

/**
 * Keeps the JVM's common fork-join pool at two or more threads on small machines.
 *
 * <p>Why: {@code CompletableFuture}'s {@code *Async} methods without an executor run on the
 * common pool only if its parallelism is above one; otherwise they start a new thread for every
 * task. The JVM sizes the pool at one thread less than the processors, so on a one- or two-core
 * machine it is one, and Ratis, which continues every follower log append with {@code
 * thenComposeAsync}, then creates and ends a thread for every append it receives. Two threads
 * are enough to reuse them. The property is read once, when the pool is first used, so the
 * process entry point must call {@link #applyBeforeFirstUse} before anything else; an embedding
 * application that has not set it gets the warning from {@link #problem()} when a node starts.
 */
public final class CommonPoolParallelism {
  /** The JVM system property that sizes the common pool. */
  public static final String PROPERTY = "java.util.concurrent.ForkJoinPool.common.parallelism";

  /** Parallelism at which {@code CompletableFuture} uses the pool instead of a thread per task. */
  static final int MINIMUM = 2;

  private CommonPoolParallelism() {}

  /**
   * Sets {@link #PROPERTY} to {@value #MINIMUM} if it is unset and the JVM would choose less.
   * Has no effect once the pool has been used.
   */
  public static void applyBeforeFirstUse() {
    valueToSet(System.getProperty(PROPERTY), Runtime.getRuntime().availableProcessors())
        .ifPresent(value -> System.setProperty(PROPERTY, value));
  }

  /**
   * The value to give {@link #PROPERTY}, if any: none when the operator chose one, or when the
   * JVM's default ({@code processors - 1}) is already enough.
   */
  static Optional<String> valueToSet(String configured, int processors) {
    if (configured != null || processors - 1 >= MINIMUM) {
      return Optional.empty();
    }
    return Optional.of(Integer.toString(MINIMUM));
  }

  /** Why this JVM's common pool is too small, if it is. */
  public static Optional<String> problem() {
    return problem(ForkJoinPool.getCommonPoolParallelism());
  }

  static Optional<String> problem(int parallelism) {
    if (parallelism >= MINIMUM) {
      return Optional.empty();
    }
    return Optional.of("the common fork-join pool has " + parallelism + " thread, so Raft starts a new thread"
        + " for every log append; start the JVM with -D" + PROPERTY + "=" + MINIMUM);
  }
}
