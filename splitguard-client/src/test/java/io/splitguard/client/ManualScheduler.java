package io.splitguard.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Keep-alive scheduling on {@link FakeTime}: tasks run only when the test advances time, on the
 * test's thread, in due order. A task that schedules another one (a keep-alive rescheduling
 * itself) sees it run in the same advance if it is due by then.
 */
final class ManualScheduler implements KeepAliveScheduler {

  private record Entry(long dueNanos, long seq, Runnable task, boolean[] cancelled) {}

  private final FakeTime time;
  private final List<Entry> entries = new ArrayList<>();
  private long seq;
  private boolean shutdown;

  ManualScheduler(FakeTime time) {
    this.time = time;
  }

  @Override
  public synchronized Task schedule(Runnable task, Duration delay) {
    boolean[] cancelled = {false};
    if (!shutdown) {
      entries.add(new Entry(time.nanoTime() + delay.toNanos(), seq++, task, cancelled));
    }
    return () -> {
      synchronized (ManualScheduler.this) {
        cancelled[0] = true;
      }
    };
  }

  @Override
  public synchronized void shutdown() {
    shutdown = true;
    entries.clear();
  }

  /** Tasks scheduled and neither run nor cancelled. */
  synchronized int pending() {
    return (int) entries.stream().filter(e -> !e.cancelled()[0]).count();
  }

  /** Advances fake time by {@code d}, running every task that falls due on the way, in order. */
  void advance(Duration d) {
    long target = time.nanoTime() + d.toNanos();
    while (true) {
      Entry next;
      synchronized (this) {
        entries.removeIf(e -> e.cancelled()[0]);
        next = entries.stream()
            .min(Comparator.comparingLong(Entry::dueNanos).thenComparingLong(Entry::seq))
            .filter(e -> e.dueNanos() <= target)
            .orElse(null);
        if (next != null) {
          entries.remove(next);
        }
      }
      if (next == null) {
        break;
      }
      long now = time.nanoTime();
      if (next.dueNanos() > now) {
        time.sleep(Duration.ofNanos(next.dueNanos() - now));
      }
      next.task().run();
    }
    long now = time.nanoTime();
    if (target > now) {
      time.sleep(Duration.ofNanos(target - now));
    }
  }
}
