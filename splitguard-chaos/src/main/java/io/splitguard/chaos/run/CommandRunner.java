package io.splitguard.chaos.run;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs short system commands ({@code ip}, {@code iptables}, {@code tc}, {@code kill}) and returns
 * their exit status and output. An interface so that tests can record the commands instead of
 * running them.
 */
public interface CommandRunner {

  /**
   * The result of one command.
   *
   * @param exitCode the exit status (-1 if it did not finish in time)
   * @param output stdout and stderr, merged
   */
  record Result(int exitCode, String output) {
    /** Whether the command exited with status 0. */
    public boolean ok() {
      return exitCode == 0;
    }
  }

  /** Runs {@code argv} with {@code stdin} (or none, if {@code null}) as its input and waits for it. */
  Result run(List<String> argv, String stdin) throws IOException;

  /** Runs {@code argv} without input and waits for it. */
  default Result run(List<String> argv) throws IOException {
    return run(argv, null);
  }

  /** Runs {@code argv} and fails with its output unless it exits with 0. */
  default String check(List<String> argv) throws IOException {
    return check(argv, null);
  }

  /** Runs {@code argv} with {@code stdin} and fails with its output unless it exits with 0. */
  default String check(List<String> argv, String stdin) throws IOException {
    Result r = run(argv, stdin);
    if (!r.ok()) {
      throw new IOException("command failed (exit " + r.exitCode() + "): " + String.join(" ", argv)
          + (r.output().isBlank() ? "" : ": " + r.output().strip()));
    }
    return r.output();
  }

  /** Runs commands as processes of this machine, each bounded by {@code timeoutSeconds}. */
  static CommandRunner system(long timeoutSeconds) {
    return (argv, stdin) -> {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      try (java.io.OutputStream in = p.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      // Read on another thread: a command with much output would block on a full pipe otherwise.
      Thread reader = new Thread(() -> {
        try (InputStream in = p.getInputStream()) {
          in.transferTo(out);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }, "command-output");
      reader.setDaemon(true);
      reader.start();
      try {
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          return new Result(-1, "timed out after " + timeoutSeconds + " s: " + String.join(" ", argv));
        }
        reader.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while running " + String.join(" ", argv), e);
      }
      synchronized (out) {
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
      }
    };
  }
}
