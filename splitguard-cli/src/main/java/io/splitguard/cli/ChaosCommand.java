package io.splitguard.cli;

import io.splitguard.chaos.check.CheckReport;
import io.splitguard.chaos.check.HistoryCheck;
import io.splitguard.chaos.check.Validity;
import io.splitguard.chaos.check.Verdict;
import io.splitguard.chaos.history.HistoryFormatException;
import io.splitguard.chaos.run.ChaosConfig;
import io.splitguard.chaos.run.ChaosRun;
import io.splitguard.chaos.run.HtmlReport;
import io.splitguard.chaos.run.LaunchMode;
import io.splitguard.chaos.run.NetnsLauncher;
import io.splitguard.chaos.run.NodeCommand;
import io.splitguard.chaos.run.RunResult;
import io.splitguard.server.config.SettingsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code splitguard chaos}: runs a real cluster under faults, records what clients saw and checks
 * it (linearizability and lost acknowledged writes for registers; grant order, guarded reads and
 * fencing for locks); {@code splitguard chaos check} checks any history file. Exits non-zero when
 * any run has a violation or a check that could not decide.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
    description = {
      "Partition, pause and kill a real cluster while clients work on it; record a history and "
          + "check it. Exit status 1 on any violation (or an undecided check), 2 on bad usage.",
      "Each run writes <out>/run-<seed>-<n>/ with history.jsonl, report.html, node logs and the "
          + "nemesis log."
    },
    subcommands = ChaosCommand.Check.class)
final class ChaosCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--nodes", defaultValue = "3", description = "Cluster size: 3 or 5 (default ${DEFAULT-VALUE}).")
  int nodes;

  @Option(names = "--mode", defaultValue = "auto",
      description = "loopback (pause/kill only), netns (network partitions; needs root) or auto "
          + "(netns when root, else loopback; default).")
  String mode;

  @Option(names = "--nemesis", defaultValue = "mix",
      description = "partition-halves, isolate-leader, bridge, majorities-ring, one-way, flapping, "
          + "pause, kill, pause-leader, slow-network, mix, none (default ${DEFAULT-VALUE}).")
  String nemesis;

  @Option(names = "--workload", defaultValue = "register",
      description = "register (CP registers: reads, writes, compare-and-set) or locks (alias guarded: "
          + "locks with leases and writes to guarded resources under their fencing tokens; some holders "
          + "outlive their lease, so fencing is exercised). Default ${DEFAULT-VALUE}.")
  String workload;

  @Option(names = "--keys", paramLabel = "N",
      description = "Register keys (register workload, default 5) or locks, each with its guarded resource "
          + "(locks workload, default 2).")
  Integer keys;

  @Option(names = "--time", defaultValue = "30s", description = "Duration of each run (default ${DEFAULT-VALUE}).")
  String time;

  @Option(names = "--seed", description = "Seed of the first run; run i uses seed + i. Default: random, printed.")
  Long seed;

  @Option(names = "--runs", defaultValue = "1", description = "Number of runs (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--clients", defaultValue = "5", description = "Concurrent client processes (default ${DEFAULT-VALUE}).")
  int clients;

  @Option(names = "--out", defaultValue = "chaos-runs", description = "Output directory (default ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--config", paramLabel = "FILE", description = "Node settings file given to every node.")
  Path config;

  @Option(names = "--node-arg", hidden = true, paramLabel = "ARG",
      description = "Extra argument for every node (for the hidden test-fault flags).")
  List<String> nodeArgs = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    Duration duration;
    LaunchMode launchMode;
    String settingsYaml;
    try {
      duration = SettingsFile.parseDuration(time);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--time: " + e.getMessage());
    }
    if (runs < 1 || runs > 1000) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--runs: must be 1-1000, got " + runs);
    }
    try {
      launchMode = mode.equals("auto")
          ? (NetnsLauncher.isRoot() ? LaunchMode.NETNS : LaunchMode.LOOPBACK)
          : LaunchMode.parse(mode);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--mode: " + e.getMessage());
    }
    try {
      settingsYaml = config == null ? null : Files.readString(config);
    } catch (IOException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--config: cannot read " + config + ": " + e.getMessage());
    }
    long firstSeed = seed != null ? seed : new SplittableRandom().nextLong(1, Long.MAX_VALUE / 2);
    NodeCommand nodeCommand = NodeCommand.sameJvm(System.getProperty("java.class.path"), NodeCommand.CLI_MAIN_CLASS)
        .withNodeArgs(nodeArgs);
    int failed = 0;
    List<String> summaries = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      long runSeed = firstSeed + i;
      ChaosConfig cfg;
      try {
        ChaosConfig.Builder b = ChaosConfig.builder(nodeCommand)
            .nodes(nodes).mode(launchMode).nemesis(nemesis).workload(workload)
            .duration(duration).seed(runSeed).outputDir(out).clients(clients);
        if (keys != null) {
          b.keys(keys);
        }
        if (settingsYaml != null) {
          b.nodeSettingsYaml(settingsYaml);
        }
        cfg = b.build();
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
      System.out.println("chaos run " + (i + 1) + "/" + runs + ": seed " + runSeed + ", nemesis " + nemesis
          + ", mode " + launchMode.cliName() + ", " + nodes + " nodes, " + time);
      RunResult result;
      try {
        result = ChaosRun.execute(cfg);
      } catch (IOException e) {
        System.err.println("chaos run " + (i + 1) + " (seed " + runSeed + ") could not complete: " + e.getMessage());
        failed++;
        summaries.add("run " + (i + 1) + " seed " + runSeed + ": ERROR " + e.getMessage());
        continue;
      }
      CheckReport report = HistoryCheck.check(result.historyFile(), result.guardedFile().orElse(null));
      Map<String, String> verdicts = new LinkedHashMap<>();
      for (Verdict v : report.verdicts()) {
        verdicts.put(v.checker(), v.validity().name());
      }
      // The nodes' own evidence: a newer term seen while still holding the fence file.
      boolean splitBrain = result.splitBrainSuspicions() > 0;
      verdicts.put("fence-before-elect", splitBrain ? "INVALID" : "VALID");
      String reproduce = "bin/splitguard chaos --nodes " + nodes + " --mode " + launchMode.cliName()
          + " --nemesis " + nemesis + " --workload " + workload + " --time " + time + " --seed " + runSeed
          + " --runs 1 --clients " + clients + (keys == null ? "" : " --keys " + keys) + " --out " + out
          + (config == null ? "" : " --config " + config)
          + nodeArgs.stream().map(a -> " --node-arg=" + a).reduce("", String::concat);
      Path html = result.runDir().resolve("report.html");
      HtmlReport.write(result.historyFile(), verdicts, reproduce, runSeed, html);
      Files.writeString(result.runDir().resolve("check.txt"), report.toText());
      boolean ok = report.validity() == Validity.VALID && !splitBrain;
      if (!ok) {
        failed++;
        System.out.println(report.toText());
        if (splitBrain) {
          System.out.println("fence-before-elect: INVALID: " + result.splitBrainSuspicions()
              + " split-brain suspicion(s) reported by the nodes (see the run notes and node logs)");
        }
      }
      String line = "run " + (i + 1) + " seed " + runSeed + ": " + (ok ? "PASS" : "FAIL") + " "
          + verdicts + " ops=" + report.operations() + " keys=" + report.keys()
          + " faults=" + result.faultsInjected() + " report=" + html;
      summaries.add(line);
      System.out.println(line);
    }
    System.out.println("chaos: " + (runs - failed) + "/" + runs + " runs passed"
        + (failed == 0 ? "" : "; reproduce a failing run with the command in its report.html"));
    return failed == 0 ? 0 : SplitGuardCli.EXIT_FAILED;
  }

  /** {@code splitguard chaos check --history FILE}: checks any history file. */
  @Command(name = "check", mixinStandardHelpOptions = true,
      description = "Check a history file (JSON lines). Exit 1 on a violation or an undecided key, 2 on a malformed file.")
  static final class Check implements Callable<Integer> {
    @Option(names = "--history", required = true, paramLabel = "FILE", description = "History file (JSON lines).")
    Path history;

    @Option(names = "--guarded", paramLabel = "FILE",
        description = "Accepted guarded writes (JSON lines, a locks run's guarded.jsonl) for the fencing check. "
            + "Without it, a history with guarded writes is fencing-checked on its own ok guarded-writes.")
    Path guarded;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Override
    public Integer call() {
      CheckReport report;
      try {
        report = HistoryCheck.check(history, guarded);
      } catch (HistoryFormatException e) {
        System.err.println("chaos check: " + e.getMessage());
        return SplitGuardCli.EXIT_USAGE;
      } catch (IOException e) {
        System.err.println("chaos check: cannot read " + e.getMessage());
        return SplitGuardCli.EXIT_USAGE;
      }
      System.out.println(json ? report.toJson() : report.toText());
      return report.validity() == Validity.VALID ? 0 : SplitGuardCli.EXIT_FAILED;
    }
  }
}
