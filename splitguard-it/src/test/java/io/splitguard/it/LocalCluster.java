package io.splitguard.it;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.splitguard.cli.SplitGuardCli;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real cluster of separate node JVMs on loopback, started through the real main class exactly
 * as {@code bin/splitguard node} does. Supports the faults the tests need: pause (SIGSTOP), resume
 * (SIGCONT), kill (SIGKILL) and restart on the same data directory. {@link #close()} always leaves
 * no process behind.
 */
final class LocalCluster implements AutoCloseable {
  private final Path dir;
  private final int size;
  private final int[] apiPorts;
  private final int[] raftPorts;
  private final Process[] processes;
  private final Path clusterFile;
  private final Path configFile;
  final Http http = new Http();

  LocalCluster(Path dir, int size, String settingsYaml) throws IOException {
    this.dir = dir;
    this.size = size;
    this.apiPorts = new int[size];
    this.raftPorts = new int[size];
    this.processes = new Process[size];
    List<Integer> ports = freePorts(2 * size);
    StringBuilder yaml = new StringBuilder("cluster:\n  name: it\n  members:\n");
    for (int i = 0; i < size; i++) {
      apiPorts[i] = ports.get(2 * i);
      raftPorts[i] = ports.get(2 * i + 1);
      yaml.append("    - {id: ").append(id(i)).append(", raft: \"127.0.0.1:").append(raftPorts[i])
          .append("\", api: \"127.0.0.1:").append(apiPorts[i]).append("\"}\n");
    }
    clusterFile = Files.writeString(dir.resolve("cluster.yaml"), yaml.toString());
    configFile = settingsYaml == null ? null : Files.writeString(dir.resolve("node.yaml"), settingsYaml);
  }

  static String id(int index) {
    return "n" + (index + 1);
  }

  /** Member id to role (VOTER, LISTENER) as {@code GET /v1/members} on node {@code via} lists them. */
  Map<String, String> roles(int via) {
    Map<String, String> roles = new LinkedHashMap<>();
    for (JsonNode m : http.get(url(via) + "/v1/members").json().get("members")) {
      roles.put(m.get("id").asText(), m.get("role").asText());
    }
    return roles;
  }

  String url(int index) {
    return "http://127.0.0.1:" + apiPorts[index];
  }

  /** The indexes of every node but {@code index}, ascending. */
  List<Integer> others(int index) {
    List<Integer> others = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      if (i != index) {
        others.add(i);
      }
    }
    return others;
  }

  int size() {
    return size;
  }

  Path clusterFile() {
    return clusterFile;
  }

  Path dataDir(int index) {
    return dir.resolve(id(index));
  }

  int apiPort(int index) {
    return apiPorts[index];
  }

  int raftPort(int index) {
    return raftPorts[index];
  }

  /** A cluster file that lists only the first {@code count} members (the others join later). */
  Path clusterFileOfFirst(int count) throws IOException {
    StringBuilder yaml = new StringBuilder("cluster:\n  name: it\n  members:\n");
    for (int i = 0; i < count; i++) {
      yaml.append("    - {id: ").append(id(i)).append(", raft: \"127.0.0.1:").append(raftPorts[i])
          .append("\", api: \"127.0.0.1:").append(apiPorts[i]).append("\"}\n");
    }
    return Files.writeString(dir.resolve("cluster-first-" + count + ".yaml"), yaml.toString());
  }

  /** Starts node {@code index} with {@code file} as its cluster file and extra arguments. */
  void start(int index, Path file, String... extra) throws IOException {
    List<String> args = new ArrayList<>(List.of(
        "node", "--cluster", file.toString(), "--id", id(index),
        "--data-dir", dataDir(index).toString(),
        "--exit-with-parent", Long.toString(ProcessHandle.current().pid())));
    if (configFile != null) {
      args.add("--config");
      args.add(configFile.toString());
    }
    args.addAll(List.of(extra));
    processes[index] = launch(dir.resolve(id(index) + ".log"), args);
  }

  void startAll() throws IOException {
    for (int i = 0; i < size; i++) {
      start(i);
    }
  }

  void start(int index) throws IOException {
    List<String> args = new ArrayList<>(List.of(
        "node", "--cluster", clusterFile.toString(), "--id", id(index),
        "--data-dir", dataDir(index).toString(),
        "--exit-with-parent", Long.toString(ProcessHandle.current().pid())));
    if (configFile != null) {
      args.add("--config");
      args.add(configFile.toString());
    }
    processes[index] = launch(dir.resolve(id(index) + ".log"), args);
  }

  /** Starts the real main class in a new JVM with the test's class path. */
  static Process launch(Path log, List<String> args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
        "-cp", System.getProperty("java.class.path"), SplitGuardCli.class.getName()));
    command.addAll(args);
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
  }

  /** Waits until some node reports a leader that all running nodes agree on; returns its index. */
  int awaitLeader() {
    return await("a leader all nodes agree on").atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(this::agreedLeader, Optional::isPresent).orElseThrow();
  }

  private Optional<Integer> agreedLeader() {
    String leader = null;
    for (int i = 0; i < size; i++) {
      if (processes[i] == null || !processes[i].isAlive()) {
        continue;
      }
      Http.Response r = http.tryGet(url(i) + "/v1/status");
      if (r == null || r.status() != 200) {
        return Optional.empty();
      }
      JsonNode l = r.json().get("leaderId");
      if (l == null || l.isNull() || (leader != null && !leader.equals(l.asText()))) {
        return Optional.empty();
      }
      leader = l.asText();
    }
    if (leader == null) {
      return Optional.empty();
    }
    return Optional.of(Integer.parseInt(leader.substring(1)) - 1);
  }

  void pause(int index) throws IOException, InterruptedException {
    signal(index, "STOP");
  }

  void resume(int index) throws IOException, InterruptedException {
    signal(index, "CONT");
  }

  void kill(int index) throws InterruptedException {
    Process p = processes[index];
    if (p != null) {
      p.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no flush
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private void signal(int index, String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(processes[index].pid()))
        .inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IOException("kill -" + signal + " failed for " + id(index));
    }
  }

  String log(int index) throws IOException {
    Path log = dir.resolve(id(index) + ".log");
    return Files.exists(log) ? Files.readString(log) : "";
  }

  @Override
  public void close() throws Exception {
    for (int i = 0; i < size; i++) {
      Process p = processes[i];
      if (p != null && p.isAlive()) {
        try {
          resume(i); // a stopped process cannot run its shutdown hook
        } catch (IOException e) {
          // already gone
        }
        p.destroy();
      }
    }
    for (Process p : processes) {
      if (p != null && !p.waitFor(15, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
      }
    }
  }

  private static List<Integer> freePorts(int count) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      List<Integer> ports = new ArrayList<>();
      while (ports.size() < count) {
        ServerSocket s = new ServerSocket(0);
        sockets.add(s);
        ports.add(s.getLocalPort());
      }
      return ports;
    } finally {
      for (ServerSocket s : sockets) {
        s.close();
      }
    }
  }
}
