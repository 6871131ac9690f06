package io.splitguard.server.fencing;

import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.fencing.FenceReason;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the fence command (node config {@code fencing.command}): program and arguments, no shell,
 * with the node id, the reason and the term in its environment, killed when it outlives the
 * actuator timeout.
 *
 * <p>Environment: {@code SPLITGUARD_NODE_ID}, {@code SPLITGUARD_FENCE_REASON} (a {@link
 * FenceReason} name), {@code SPLITGUARD_TERM}, {@code SPLITGUARD_WAS_LEADER} ({@code true} or
 * {@code false}).
 */
public final class FenceCommand {
  /** How the command ended. */
  public enum Outcome {
    /** Exit code 0. */
    SUCCEEDED,
    /** A non-zero exit code. */
    FAILED,
    /** Still running at the timeout; killed. */
    TIMED_OUT,
    /** Could not be started (missing program, not executable). */
    NOT_STARTED
  }

  /**
   * The result of one run.
   *
   * @param exitCode the exit code, or -1 if it did not exit on its own
   * @param output the first 2 KiB of its combined stdout and stderr
   */
  public record Result(Outcome outcome, int exitCode, long durationNanos, String output) {}

  private static final int OUTPUT_LIMIT = 2048;

  private final List<String> command;
  private final Duration timeout;

  /** A command and its timeout. */
  public FenceCommand(List<String> command, Duration timeout) {
    if (command.isEmpty()) {
      throw new IllegalArgumentException("fence command is empty");
    }
    this.command = List.copyOf(command);
    this.timeout = timeout;
  }

  /** Runs it once, blocking for at most the timeout (plus the time to kill it). */
  public Result run(NodeId self, FenceReason reason, long term, boolean wasLeader) {
    long start = System.nanoTime();
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("SPLITGUARD_NODE_ID", self.value());
    env.put("SPLITGUARD_FENCE_REASON", reason.name());
    env.put("SPLITGUARD_TERM", Long.toString(term));
    env.put("SPLITGUARD_WAS_LEADER", Boolean.toString(wasLeader));
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      return new Result(Outcome.NOT_STARTED, -1, System.nanoTime() - start, e.getMessage());
    }
    OutputCollector output = new OutputCollector(process.getInputStream());
    output.start();
    try {
      if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(1, TimeUnit.SECONDS);
        return new Result(Outcome.TIMED_OUT, -1, System.nanoTime() - start, output.text());
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      return new Result(Outcome.TIMED_OUT, -1, System.nanoTime() - start, output.text());
    }
    int exit = process.exitValue();
    long duration = System.nanoTime() - start;
    output.awaitEnd();
    return new Result(exit == 0 ? Outcome.SUCCEEDED : Outcome.FAILED, exit, duration, output.text());
  }

  /** Drains the child's output so it never blocks on a full pipe; keeps the first bytes. */
  private static final class OutputCollector extends Thread {
    private final InputStream in;
    private final byte[] kept = new byte[OUTPUT_LIMIT];
    private int length;

    OutputCollector(InputStream in) {
      super("fence-command-output");
      setDaemon(true);
      this.in = in;
    }

    @Override
    public void run() {
      byte[] buf = new byte[1024];
      try (in) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          synchronized (this) {
            int copy = Math.min(n, OUTPUT_LIMIT - length);
            System.arraycopy(buf, 0, kept, length, copy);
            length += copy;
          }
        }
      } catch (IOException e) {
        // the process is gone; what we have is what there is
      }
    }

    void awaitEnd() {
      try {
        join(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    synchronized String text() {
      return new String(kept, 0, length, StandardCharsets.UTF_8).strip();
    }
  }
}
