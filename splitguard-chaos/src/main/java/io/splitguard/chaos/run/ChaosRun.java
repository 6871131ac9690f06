package io.splitguard.chaos.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.splitguard.chaos.history.GuardedWriter;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One chaos run: starts the cluster, waits for a leader, runs the workload's clients and the
 * nemesis schedule side by side for the configured time, heals, does the final reads, stops the
 * cluster and cleans up. Everything lands in {@code <out>/run-<seed>-<n>/}: {@code
 * history.jsonl}, {@code guarded.jsonl} (only for a workload that records accepted guarded writes),
 * {@code nemesis.log}, {@code run.json} (the configuration and planned schedule),
 * {@code cluster.yaml}, {@code n1.log ...} and {@code data/}.
 *
 * <p>Checking the history is not done here; the caller runs the checkers on {@link
 * RunResult#historyFile()}.
 */
public final class ChaosRun {
  private static final Logger LOG = LoggerFactory.getLogger(ChaosRun.class);
  private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(30);

  private ChaosRun() {}

  /** Runs with the standard launcher for the configured mode. */
  public static RunResult execute(ChaosConfig config) throws IOException, InterruptedException {
    return execute(config, LauncherFactory.standard());
  }

  /**
   * Runs with launchers from {@code factory}.
   *
   * @throws IOException if the cluster cannot start, elects no leader in time, or a client thread
   *     failed (the history would be incomplete); the cluster is cleaned up in every case
   */
  public static RunResult execute(ChaosConfig config, LauncherFactory factory) throws IOException, InterruptedException {
    long begin = System.nanoTime();
    Path runDir = createRunDir(config.outputDir(), config.seed());
    Nemesis nemesis = Nemeses.named(config.nemesis(), config.mode());
    NemesisSchedule schedule = Nemeses.plan(nemesis, config.seed(), config.nodes(), config.duration(), config.timing());
    Workload workload = Workloads.named(config.workload(), config.keys(), config.thinkTime());
    config.progress().accept("chaos: seed=" + config.seed() + " nemesis=" + config.nemesis() + " workload="
        + config.workload() + " mode=" + config.mode().cliName() + " nodes=" + config.nodes() + " time="
        + config.duration().toMillis() / 1000.0 + "s faults-planned=" + schedule.faults() + " dir=" + runDir);
    writeRunJson(runDir.resolve("run.json"), config, schedule);

    HttpClient http = NodeApi.newClient(config.requestTimeout());
    NodeApi api = new NodeApi(http, config.requestTimeout());
    Duration probeTimeout = config.requestTimeout().compareTo(Duration.ofMillis(500)) < 0
        ? config.requestTimeout() : Duration.ofMillis(500);
    Path historyFile = runDir.resolve("history.jsonl");
    Path guardedFile = workload.recordsGuardedWrites() ? runDir.resolve("guarded.jsonl") : null;
    Path nemesisLogFile = runDir.resolve("nemesis.log");
    List<String> notes = new ArrayList<>();
    List<Path> nodeLogs = new ArrayList<>();
    int injected;
    long splitBrain = 0;
    OpCounts totals;
    Map<String, OpCounts> byFunction;

    try (TextLog nemesisLog = new TextLog(nemesisLogFile);
         ClusterLauncher cluster = factory.create(config, runDir);
         ClusterProbe probe = new ClusterProbe(cluster, new NodeApi(http, probeTimeout))) {
      nemesisLog.line("seed " + config.seed() + " nemesis " + config.nemesis() + " mode " + config.mode().cliName()
          + " nodes " + config.nodes() + " duration " + config.duration());
      nemesisLog.line("planned schedule (" + schedule.faults() + " faults):");
      schedule.describe().forEach(l -> nemesisLog.line("  " + l));
      for (int i = 0; i < config.nodes(); i++) {
        nodeLogs.add(cluster.logFile(i));
      }
      cluster.startAll();
      Optional<Integer> leader = probe.awaitAgreedLeader(config.startupTimeout());
      if (leader.isEmpty()) {
        throw new IOException("no leader elected within " + config.startupTimeout() + "; see the node logs in " + runDir);
      }
      LOG.info("event=chaos_started seed={} leader={} dir={}", config.seed(), cluster.nodeId(leader.get()), runDir);
      nemesisLog.line("cluster up, leader " + cluster.nodeId(leader.get()) + "; run starts");

      try (RunHistoryWriter history = new RunHistoryWriter(historyFile, System::nanoTime);
           GuardedWriter guarded = guardedFile == null ? null : GuardedWriter.open(guardedFile)) {
        WorkloadContext context = new WorkloadContext(cluster, api, history,
            history.startNanos() + config.duration().toNanos(), System::nanoTime, runDir, config.seed(), config.clients(),
            guarded);
        NemesisRunner runner = new NemesisRunner(schedule, cluster, probe, history, nemesisLog);
        Thread nemesisThread = new Thread(runner, "chaos-nemesis");
        AtomicReference<Throwable> clientFailure = new AtomicReference<>();
        List<Thread> clients = new ArrayList<>();
        try {
          nemesisThread.start();
          for (int i = 0; i < config.clients(); i++) {
            ClientSession session = new ClientSession(i, Seeds.random(config.seed(), "client-" + i), context);
            Thread t = new Thread(() -> {
              try {
                workload.runClient(context, session);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (RuntimeException | Error e) {
                clientFailure.compareAndSet(null, e);
              }
            }, "chaos-client-" + i);
            clients.add(t);
            t.start();
          }
          // Clients stop at the deadline after their operation in flight (bounded by the timeout).
          long grace = config.requestTimeout().toMillis() * 3 + config.thinkTime().toMillis() * 2 + 5_000;
          for (Thread t : clients) {
            t.join(config.duration().toMillis() + grace);
          }
        } finally {
          for (Thread t : clients) {
            if (t.isAlive()) {
              t.interrupt();
              t.join(10_000);
            }
          }
          runner.stop();
          nemesisThread.join();
          runner.healAll();
        }
        if (clientFailure.get() != null) {
          throw new IOException("a client thread failed; the history is incomplete", clientFailure.get());
        }
        nemesisLog.at(history.elapsedNanos(), "clients stopped; cluster healed");
        if (probe.awaitAgreedLeader(RECOVERY_TIMEOUT).isEmpty()) {
          notes.add("no agreed leader within " + RECOVERY_TIMEOUT.toSeconds() + " s after the final heal");
        }
        workload.finish(context);
        nemesisLog.at(history.elapsedNanos(), "final reads done");
        StringBuilder fencing = new StringBuilder();
        for (Map.Entry<String, long[]> e : probe.fencingCounters().entrySet()) {
          fencing.append(' ').append(e.getKey()).append('=').append(e.getValue()[0]);
          splitBrain += e.getValue()[1];
          if (e.getValue()[1] > 0) {
            notes.add(e.getKey() + " suspected split brain " + e.getValue()[1] + " time(s): it learned of a "
                + "newer term while holding its fence file (see its log, event=split_brain_suspected)");
          }
        }
        nemesisLog.at(history.elapsedNanos(), "self-fencings per node:" + fencing);
        injected = runner.injected();
        notes.addAll(runner.notes());
        totals = history.totals();
        byFunction = history.countsByFunction();
      }
      for (int i = 0; i < cluster.size(); i++) {
        if (!cluster.isRunning(i)) {
          notes.add(cluster.nodeId(i) + " was not running at the end of the run (it exited on its own; see "
              + cluster.logFile(i).getFileName() + ")");
        }
      }
      notes.addAll(0, cluster.notes());
    }
    RunResult result = new RunResult(runDir, historyFile, Optional.ofNullable(guardedFile), nemesisLogFile, nodeLogs, config.seed(), config.nemesis(),
        config.workload(), config.mode(), config.nodes(), Duration.ofNanos(System.nanoTime() - begin), totals,
        byFunction, injected, notes, splitBrain);
    config.progress().accept("chaos: " + result.summary());
    for (String note : notes) {
      config.progress().accept("chaos: note: " + note);
    }
    return result;
  }

  /** Creates {@code <out>/run-<seed>-<n>} with the first free n, starting at 1. */
  static Path createRunDir(Path outputDir, long seed) throws IOException {
    Files.createDirectories(outputDir);
    for (int n = 1; ; n++) {
      Path dir = outputDir.resolve("run-" + seed + "-" + n);
      try {
        return Files.createDirectory(dir);
      } catch (FileAlreadyExistsException e) {
        // taken by an earlier run with the same seed; try the next number
      }
    }
  }

  private static void writeRunJson(Path file, ChaosConfig config, NemesisSchedule schedule) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("seed", config.seed());
    root.put("nodes", config.nodes());
    root.put("mode", config.mode().cliName());
    root.put("nemesis", config.nemesis());
    root.put("workload", config.workload());
    root.put("durationMs", config.duration().toMillis());
    root.put("clients", config.clients());
    root.put("keys", config.keys());
    root.put("requestTimeoutMs", config.requestTimeout().toMillis());
    root.put("thinkTimeMs", config.thinkTime().toMillis());
    root.put("nodeSettings", config.nodeSettingsYaml());
    ObjectNode timing = root.putObject("timing");
    NemesisTiming t = config.timing();
    timing.put("quietMinMs", t.quietMin().toMillis()).put("quietMaxMs", t.quietMax().toMillis())
        .put("faultMinMs", t.faultMin().toMillis()).put("faultMaxMs", t.faultMax().toMillis())
        .put("flapMinMs", t.flapMin().toMillis()).put("flapMaxMs", t.flapMax().toMillis())
        .put("finalQuietMs", t.finalQuiet().toMillis());
    ArrayNode steps = root.putArray("schedule");
    schedule.describe().forEach(steps::add);
    Files.writeString(file, json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
  }
}
