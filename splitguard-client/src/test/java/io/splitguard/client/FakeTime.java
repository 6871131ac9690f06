package io.splitguard.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Time that only moves when the client sleeps, and records every sleep. */
final class FakeTime implements Sleeper, Ticker {

  private long nowNanos = 1_000_000_000L;
  private final List<Duration> sleeps = new ArrayList<>();

  @Override
  public synchronized void sleep(Duration duration) {
    if (duration.isNegative()) {
      throw new AssertionError("negative sleep " + duration);
    }
    sleeps.add(duration);
    nowNanos += duration.toNanos();
  }

  @Override
  public synchronized long nanoTime() {
    return nowNanos;
  }

  synchronized List<Duration> sleeps() {
    return List.copyOf(sleeps);
  }

  synchronized Duration totalSlept() {
    return sleeps.stream().reduce(Duration.ZERO, Duration::plus);
  }
}
