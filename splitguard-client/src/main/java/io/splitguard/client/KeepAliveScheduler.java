package io.splitguard.client;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs lock keep-alives and validity checks after a delay. A port so that tests can run the tasks
 * on fake time; the default runs them on a small pool of daemon threads.
 */
interface KeepAliveScheduler {

  /** A scheduled task that can be cancelled. */
  interface Task {
    /** Cancels the task if it has not started; a running task is not interrupted. */
    void cancel();
  }

  /** Runs {@code task} once after {@code delay}. */
  Task schedule(Runnable task, Duration delay);

  /** Stops running tasks; tasks not yet started are dropped. */
  void shutdown();

  /** Two daemon threads: a slow keep-alive of one lock must not hold up the others for long. */
  static KeepAliveScheduler threads() {
    AtomicInteger count = new AtomicInteger();
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(2, r -> {
      Thread t = new Thread(r, "splitguard-client-keepalive-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    return new KeepAliveScheduler() {
      @Override
      public Task schedule(Runnable task, Duration delay) {
        ScheduledFuture<?> f = executor.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
      }

      @Override
      public void shutdown() {
        executor.shutdownNow();
      }
    };
  }
}
