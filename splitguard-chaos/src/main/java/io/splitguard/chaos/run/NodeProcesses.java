package io.splitguard.chaos.run;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node processes of one launcher: start (output appended to the node's log), SIGTERM, SIGKILL,
 * SIGSTOP, SIGCONT. Shared by every launcher (the chaos harness's loopback and netns launchers,
 * the benchmark's etcd launcher); in netns mode the command starts with {@code ip netns exec NS},
 * which execs the JVM, so the pid is the node's own. Indexes are 0-based.
 */
public final class NodeProcesses {
  private static final Logger LOG = LoggerFactory.getLogger(NodeProcesses.class);

  private final Process[] processes;
  private final boolean[] paused;
  private final CommandRunner commands;

  /** Room for {@code size} processes; signals are sent with {@code kill} through {@code commands}. */
  public NodeProcesses(int size, CommandRunner commands) {
    this.processes = new Process[size];
    this.paused = new boolean[size];
    this.commands = commands;
  }

  /** Starts process {@code index} with its output appended to {@code log}, unless it runs. */
  public synchronized void start(int index, List<String> argv, Path log) throws IOException {
    if (isRunning(index)) {
      return;
    }
    processes[index] = new ProcessBuilder(argv)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    paused[index] = false;
    LOG.info("event=node_started node={} pid={}", Fault.id(index), processes[index].pid());
  }

  /** Whether process {@code index} is alive (paused counts as alive). */
  public synchronized boolean isRunning(int index) {
    return processes[index] != null && processes[index].isAlive();
  }

  /** Whether process {@code index} is alive and stopped by {@link #pause}. */
  public synchronized boolean isPaused(int index) {
    return isRunning(index) && paused[index];
  }

  /** The pid of process {@code index}, or -1 if it was never started. */
  public synchronized long pid(int index) {
    return processes[index] == null ? -1 : processes[index].pid();
  }

  /** SIGSTOP. */
  public synchronized void pause(int index) throws IOException {
    if (isRunning(index) && !paused[index]) {
      signal(index, "STOP");
      paused[index] = true;
    }
  }

  /** SIGCONT. */
  public synchronized void resume(int index) throws IOException {
    if (isRunning(index) && paused[index]) {
      signal(index, "CONT");
    }
    paused[index] = false;
  }

  /** SIGKILL, and waits for the process to end. */
  public void kill(int index) throws IOException {
    Process p;
    synchronized (this) {
      p = processes[index];
      paused[index] = false;
    }
    if (p != null && p.isAlive()) {
      p.destroyForcibly(); // SIGKILL on Linux, also for a stopped process
      waitFor(p, 30);
    }
  }

  /** SIGCONT if paused, SIGTERM, and SIGKILL if it has not ended after 15 s. */
  public void stop(int index) throws IOException {
    Process p;
    synchronized (this) {
      p = processes[index];
      if (p != null && p.isAlive() && paused[index]) {
        signal(index, "CONT"); // a stopped process cannot run its shutdown hook
      }
      paused[index] = false;
    }
    if (p != null && p.isAlive()) {
      p.destroy(); // SIGTERM: the node closes cleanly
      if (!waitFor(p, 15)) {
        p.destroyForcibly();
        waitFor(p, 15);
      }
    }
  }

  /** Stops every node: SIGCONT and SIGTERM to all at once, then SIGKILL for any still alive. */
  public void stopAll() {
    Process[] snapshot;
    synchronized (this) {
      snapshot = processes.clone();
      for (int i = 0; i < snapshot.length; i++) {
        if (snapshot[i] != null && snapshot[i].isAlive()) {
          try {
            if (paused[i]) {
              signal(i, "CONT");
            }
          } catch (IOException e) {
            LOG.warn("event=node_resume_failed node={} error={}", Fault.id(i), e.toString());
          }
          snapshot[i].destroy();
        }
        paused[i] = false;
      }
    }
    for (Process p : snapshot) {
      if (p != null) {
        try {
          if (!waitFor(p, 15)) {
            p.destroyForcibly();
            waitFor(p, 15);
          }
        } catch (IOException e) {
          p.destroyForcibly();
        }
      }
    }
  }

  private void signal(int index, String signal) throws IOException {
    commands.check(List.of("kill", "-" + signal, Long.toString(processes[index].pid())));
  }

  private static boolean waitFor(Process p, int seconds) throws IOException {
    try {
      return p.waitFor(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for pid " + p.pid(), e);
    }
  }
}
