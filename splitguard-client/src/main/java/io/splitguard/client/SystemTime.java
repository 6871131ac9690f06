package io.splitguard.client;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The real clock and sleep; an enum so the singleton needs no mutable static. */
enum SystemTime implements Sleeper, Ticker {
  INSTANCE;

  @Override
  public void sleep(Duration duration) throws InterruptedException {
    TimeUnit.NANOSECONDS.sleep(duration.toNanos());
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }
}
