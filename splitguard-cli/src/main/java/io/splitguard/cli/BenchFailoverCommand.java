package io.splitguard.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.splitguard.chaos.run.ClusterLauncher;
import io.splitguard.chaos.run.LoopbackLauncher;
import io.splitguard.chaos.run.NodeCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code splitguard bench failover}: starts its own 3-member cluster on loopback (SplitGuard
 * nodes through the chaos harness's {@link LoopbackLauncher}, or etcd members through {@link
 * EtcdLauncher}), fails the leader again and again and reports the unavailability window the
 * writing client saw (see {@link FailoverBench}), and whether any acknowledged write was lost.
 */
@Command(
    name = "failover",
    mixinStandardHelpOptions = true,
    description = {
      "Start a 3-member cluster on loopback, kill or pause its leader --repeats times while one "
          + "client writes through a follower, and report the unavailability window the client "
          + "saw (last acknowledged write before the fault to first acknowledged write sent "
          + "after it) and any lost acknowledged write.",
      "Exit codes: 0 done, 1 a write was lost or the cluster did not recover, 2 bad usage."
    })
final class BenchFailoverCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--target", paramLabel = "NAME", defaultValue = "splitguard",
      description = "splitguard or etcd (default ${DEFAULT-VALUE}).")
  String target;

  @Option(names = "--fault", paramLabel = "KIND", defaultValue = "kill",
      description = "kill (SIGKILL, then restart) or pause (SIGSTOP, then SIGCONT; on loopback "
          + "the stand-in for isolating the leader); default ${DEFAULT-VALUE}.")
  String fault;

  @Option(names = "--repeats", paramLabel = "N", defaultValue = "3",
      description = "Faults per run; the median window is reported (default ${DEFAULT-VALUE}).")
  int repeats;

  @Option(names = "--before", paramLabel = "DURATION", defaultValue = "2s",
      description = "Writing before each fault (default ${DEFAULT-VALUE}).")
  String before;

  @Option(names = "--after", paramLabel = "DURATION", defaultValue = "1s",
      description = "Writing after the first acknowledged write after the fault "
          + "(default ${DEFAULT-VALUE}).")
  String after;

  @Option(names = "--request-timeout", paramLabel = "DURATION", defaultValue = "100ms",
      description = "Bound of one write; also the window's resolution: a write sent while no "
          + "leader can answer it may wait this long, and the window closes only with a write "
          + "sent after it (default ${DEFAULT-VALUE}).")
  String requestTimeout;

  @Option(names = "--recovery-timeout", paramLabel = "DURATION", defaultValue = "30s",
      description = "Give up on a repeat if no write succeeds this long after the fault "
          + "(default ${DEFAULT-VALUE}).")
  String recoveryTimeout;

  @Option(names = "--heal-timeout", paramLabel = "DURATION", defaultValue = "120s",
      description = "How long to wait for every member to serve writes at the start and after "
          + "each repeat (default ${DEFAULT-VALUE}).")
  String healTimeout;

  @Option(names = "--dir", paramLabel = "DIR",
      description = "Where data and logs go; default a new temporary directory, removed at the "
          + "end unless --keep.")
  Path dir;

  @Option(names = "--keep", description = "Keep the data and logs (always kept on failure).")
  boolean keep;

  @Option(names = "--etcd-binary", paramLabel = "PATH", defaultValue = "etcd",
      description = "The etcd executable for --target etcd (default ${DEFAULT-VALUE} from PATH).")
  String etcdBinary;

  @Option(names = "--config", paramLabel = "FILE",
      description = "Node settings file given to every SplitGuard node (timing, fencing); "
          + "not used with --target etcd.")
  Path config;

  @Option(names = "--json", description = "Machine-readable output: one JSON document on stdout.")
  boolean json;

  @Override
  public Integer call() throws IOException, InterruptedException {
    KvProtocol protocol = KvProtocol.named(target)
        .orElseThrow(() -> usage("--target: must be splitguard or etcd, got '" + target + "'"));
    FailoverBench.Fault f = FailoverBench.Fault.parse(fault)
        .orElseThrow(() -> usage("--fault: must be kill or pause, got '" + fault + "'"));
    if (repeats < 1 || repeats > 1000) {
      throw usage("--repeats: must be from 1 to 1000, got " + repeats);
    }
    FailoverBench.Settings settings = new FailoverBench.Settings(f, repeats,
        duration("--before", before), duration("--after", after),
        duration("--request-timeout", requestTimeout), duration("--recovery-timeout", recoveryTimeout),
        duration("--heal-timeout", healTimeout));
    String settingsYaml = null;
    if (config != null) {
      if (protocol.name().equals("etcd")) {
        throw usage("--config: applies to SplitGuard nodes only, not to --target etcd");
      }
      try {
        settingsYaml = Files.readString(config);
        // Refused here with the settings file's own message, not by three nodes at start-up.
        io.splitguard.server.config.SettingsFile.parse(config.toString(), settingsYaml);
      } catch (IOException e) {
        throw usage("--config: cannot read " + config + ": " + e.getMessage());
      } catch (RuntimeException e) {
        throw usage("--config: " + e.getMessage());
      }
    }
    Output output = Output.of(spec);
    boolean temporary = dir == null;
    Path runDir = temporary ? Files.createTempDirectory("splitguard-failover-") : dir;
    Files.createDirectories(runDir);

    List<FailoverBench.Repeat> results;
    boolean failed = true;
    ClusterLauncher cluster = protocol.name().equals("etcd")
        ? new EtcdLauncher(runDir, etcdBinary, 3)
        : new LoopbackLauncher(runDir, 3,
            NodeCommand.sameJvm(System.getProperty("java.class.path"), NodeCommand.CLI_MAIN_CLASS),
            settingsYaml);
    try (cluster; BenchHttp http = new BenchHttp(settings.requestTimeout())) {
      output.progress("bench failover: starting 3 " + protocol.name() + " members in " + runDir);
      cluster.startAll();
      results = new FailoverBench(cluster, protocol, http, settings, output::progress).run();
      failed = results.stream().anyMatch(r -> r.lost() > 0 || r.windowNanos() < 0);
    } catch (IOException e) {
      output.error(e.getMessage() + " (data and logs kept in " + runDir + ")");
      return SplitGuardCli.EXIT_FAILED;
    } finally {
      if (temporary && !keep && !failed) {
        deleteTree(runDir);
      }
    }
    if (json) {
      output.json(json(protocol.name(), f, results));
    } else {
      table(protocol.name(), f, results).forEach(output::line);
    }
    if (failed) {
      output.error("a repeat lost an acknowledged write or did not recover; data and logs kept in "
          + runDir);
      return SplitGuardCli.EXIT_FAILED;
    }
    return 0;
  }

  static ObjectNode json(String target, FailoverBench.Fault fault, List<FailoverBench.Repeat> results) {
    ObjectNode o = Output.JSON.createObjectNode();
    o.put("target", target);
    o.put("workload", "failover-" + fault.cliName());
    o.put("fault", fault.cliName());
    List<Long> windows = windows(results);
    o.put("medianWindowMs", ms(FailoverWindow.median(windows)));
    o.put("maxWindowMs", windows.isEmpty() ? Double.NaN : ms(windows.stream().mapToLong(Long::longValue).max().getAsLong()));
    o.put("acknowledged", results.stream().mapToLong(FailoverBench.Repeat::acknowledged).sum());
    o.put("lost", results.stream().mapToLong(FailoverBench.Repeat::lost).sum());
    o.put("unverified", results.stream().mapToLong(FailoverBench.Repeat::unverified).sum());
    ArrayNode each = o.putArray("repeats");
    for (FailoverBench.Repeat r : results) {
      ObjectNode n = each.addObject();
      n.put("repeat", r.number());
      n.put("victim", r.victim());
      if (r.windowNanos() >= 0) {
        n.put("windowMs", ms(r.windowNanos()));
      } else {
        n.putNull("windowMs");
      }
      n.put("acknowledged", r.acknowledged());
      n.put("lost", r.lost());
      n.put("unverified", r.unverified());
      ObjectNode errors = n.putObject("errorsByCode");
      r.errors().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
          .forEach(e -> errors.put(e.getKey(), e.getValue()));
    }
    return o;
  }

  private static List<Long> windows(List<FailoverBench.Repeat> results) {
    return results.stream().map(FailoverBench.Repeat::windowNanos).filter(w -> w >= 0).toList();
  }

  private static List<String> table(String target, FailoverBench.Fault fault, List<FailoverBench.Repeat> results) {
    List<List<String>> rows = new ArrayList<>();
    for (FailoverBench.Repeat r : results) {
      rows.add(List.of(target, fault.cliName(), Integer.toString(r.number()), r.victim(),
          r.windowNanos() < 0 ? "-" : String.format(Locale.ROOT, "%.0f", r.windowNanos() / 1e6),
          Long.toString(r.acknowledged()), Long.toString(r.lost()), Long.toString(r.unverified()),
          r.errors().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
              .collect(Collectors.joining(", "))));
    }
    List<String> lines = new ArrayList<>(Output.table(
        List.of("TARGET", "FAULT", "REPEAT", "LEADER", "WINDOW MS", "ACKED", "LOST", "UNVERIFIED", "ERRORS"),
        rows, new boolean[] {false, false, true, false, true, true, true, true, false}));
    lines.add(String.format(Locale.ROOT, "median window %.0f ms over %d repeats",
        FailoverWindow.median(windows(results)) / 1e6, windows(results).size()));
    return lines;
  }

  private static double ms(double nanos) {
    return Math.round(nanos / 1e3) / 1e3;
  }

  private Duration duration(String option, String text) {
    try {
      Duration d = io.splitguard.server.config.SettingsFile.parseDuration(text);
      if (!d.isZero()) {
        return d;
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw usage(option + ": must be a duration longer than 0 like 500ms or 2s, got '" + text + "'");
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temporary directory left behind is harmless
    }
  }
}
