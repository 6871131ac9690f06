package io.splitguard.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code splitguard dev}: a local cluster of N node processes on loopback, for trying SplitGuard
 * out. Node k serves its API on {@code port + k - 1} and Raft on {@code port + 1000 + k - 1}; data
 * lives under {@code --dir} and survives restarts. Ctrl-C stops every node; nodes also exit by
 * themselves if this process is killed.
 */
@Command(name = "dev", mixinStandardHelpOptions = true,
    description = "Start a local N-node cluster on loopback; Ctrl-C stops it.")
final class DevCommand implements Callable<Integer> {
  private static final Pattern LEADER = Pattern.compile("\"leaderId\"\\s*:\\s*\"([^\"]+)\"");

  @Option(names = "--nodes", defaultValue = "3", description = "Number of nodes (default ${DEFAULT-VALUE}).")
  int nodes;

  @Option(names = "--dir", defaultValue = ".splitguard-dev",
      description = "Directory for the cluster file, data and logs (default ${DEFAULT-VALUE}).")
  Path dir;

  @Option(names = "--port", defaultValue = "8101",
      description = "API port of node 1; node k uses port + k - 1 (default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--config", paramLabel = "FILE", description = "Node settings file passed to every node.")
  Path config;

  @Option(names = "--startup-timeout", defaultValue = "60s",
      description = "How long to wait for a leader (default ${DEFAULT-VALUE}).")
  String startupTimeout;

  private final List<Process> processes = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    if (nodes < 1 || nodes > 9) {
      System.err.println("splitguard dev: --nodes must be 1-9, got " + nodes);
      return SplitGuardCli.EXIT_USAGE;
    }
    if (port < 1024 || port + 1000 + nodes > 65535) {
      System.err.println("splitguard dev: --port must leave room for " + nodes
          + " API ports and Raft ports at +1000, got " + port);
      return SplitGuardCli.EXIT_USAGE;
    }
    Duration timeout;
    try {
      timeout = io.splitguard.server.config.SettingsFile.parseDuration(startupTimeout);
    } catch (IllegalArgumentException e) {
      System.err.println("splitguard dev: --startup-timeout: " + e.getMessage());
      return SplitGuardCli.EXIT_USAGE;
    }
    Files.createDirectories(dir);
    Path clusterFile = dir.resolve("cluster.yaml");
    Files.writeString(clusterFile, clusterYaml());
    Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "dev-shutdown"));
    for (int k = 1; k <= nodes; k++) {
      processes.add(launch(k, clusterFile));
    }
    System.out.println("Started " + nodes + " nodes; logs in " + dir.toAbsolutePath() + "/n<k>.log");
    String leader = awaitLeader(timeout);
    if (leader == null) {
      System.err.println("splitguard dev: no leader elected within " + startupTimeout
          + "; see the node logs in " + dir.toAbsolutePath());
      stopAll();
      return SplitGuardCli.EXIT_FAILED;
    }
    System.out.println("Leader: " + leader);
    for (int k = 1; k <= nodes; k++) {
      System.out.println("  n" + k + "  http://127.0.0.1:" + (port + k - 1) + "  (pid " + processes.get(k - 1).pid() + ")");
    }
    System.out.println();
    System.out.println("Try:");
    System.out.println("  curl -s -X PUT http://127.0.0.1:" + port + "/v1/kv/greeting -d '{\"value\":\"hello\"}'");
    System.out.println("  curl -s http://127.0.0.1:" + (port + Math.min(1, nodes - 1)) + "/v1/kv/greeting");
    System.out.println("  curl -s http://127.0.0.1:" + port + "/v1/status");
    System.out.println("Press Ctrl-C to stop the cluster.");
    for (Process p : processes) {
      int code = p.waitFor();
      if (code != 0 && code != 143) {
        System.err.println("splitguard dev: node " + p.pid() + " exited with " + code);
      }
    }
    return 0;
  }

  private String clusterYaml() {
    StringBuilder yaml = new StringBuilder("cluster:\n  name: splitguard-dev\n  members:\n");
    for (int k = 1; k <= nodes; k++) {
      yaml.append("    - {id: n").append(k)
          .append(", raft: \"127.0.0.1:").append(port + 1000 + k - 1)
          .append("\", api: \"127.0.0.1:").append(port + k - 1).append("\"}\n");
    }
    return yaml.toString();
  }

  private Process launch(int k, Path clusterFile) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        ProcessHandle.current().info().command().orElse("java"),
        "-Xmx256m",
        "-cp", System.getProperty("java.class.path"),
        SplitGuardCli.class.getName(), "node",
        "--cluster", clusterFile.toString(),
        "--id", "n" + k,
        "--data-dir", dir.resolve("n" + k).toString(),
        "--exit-with-parent", Long.toString(ProcessHandle.current().pid())));
    if (config != null) {
      command.add("--config");
      command.add(config.toString());
    }
    Path log = dir.resolve("n" + k + ".log");
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
  }

  private String awaitLeader(Duration timeout) throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (Process p : processes) {
        if (!p.isAlive()) {
          System.err.println("splitguard dev: a node exited during start-up (code " + p.exitValue()
              + "); see its log in " + dir.toAbsolutePath());
          return null;
        }
      }
      // Announced only when every node's API answers, not just when one knows a leader: a user
      // (or a test) may talk to any node as soon as the URLs are printed.
      String leader = null;
      int answering = 0;
      for (int k = 1; k <= nodes; k++) {
        try {
          HttpResponse<String> r = http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + (port + k - 1) + "/v1/status"))
                  .timeout(Duration.ofSeconds(1)).build(),
              HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 200) {
            answering++;
            Matcher m = LEADER.matcher(r.body());
            if (leader == null && m.find()) {
              leader = m.group(1);
            }
          }
        } catch (IOException e) {
          // not up yet
        }
      }
      if (leader != null && answering == nodes) {
        return leader;
      }
      TimeUnit.MILLISECONDS.sleep(200); // polling interval while nodes boot
    }
    return null;
  }

  private void stopAll() {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
