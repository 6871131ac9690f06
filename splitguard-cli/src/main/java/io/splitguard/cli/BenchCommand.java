package io.splitguard.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code splitguard bench}: a closed-loop load generator against a running cluster. Each entry of
 * {@code --clients} is one phase with that many concurrent clients; each phase warms up, then
 * measures for {@code --duration} or {@code --ops} operations, and reports throughput and latency
 * percentiles (see {@link BenchRunner} for what is measured and how).
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Load a running cluster with closed-loop clients and report throughput and latency.",
      "One phase per --clients entry. Latencies are of successful operations; failures are "
          + "counted by error code. --timeout bounds each request (no retries).",
      "--target etcd drives etcd's v3 JSON gateway (--endpoints are its client URLs) with the "
          + "same clients; 'bench failover' measures the unavailability window when the leader "
          + "fails; 'bench compare' tabulates saved --json results of both targets.",
      "Exit codes: 0 done, 1 a phase had no successful operation or the keys could not be "
          + "written, 2 bad usage."
    },
    subcommands = {BenchFailoverCommand.class, BenchCompareCommand.class, BenchApCommand.class})
final class BenchCommand implements Callable<Integer> {

  private static final int MAX_CLIENTS = 4096;
  private static final int MAX_VALUE_SIZE = 16 * 1024 * 1024;
  private static final Duration DEFAULT_DURATION = Duration.ofSeconds(10);
  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(1);

  @Spec CommandSpec spec;

  @Mixin ClusterOptions cluster;

  @Option(
      names = "--target",
      paramLabel = "NAME",
      defaultValue = "splitguard",
      description = "splitguard (the HTTP API v1) or etcd (its v3 JSON gateway: put, "
          + "linearizable range, serializable range for stale-get, txn for cas); "
          + "default ${DEFAULT-VALUE}.")
  String target;

  @Option(
      names = "--workload",
      paramLabel = "NAME",
      defaultValue = "put",
      description = "put, get (linearizable), stale-get, cas (read then compare-and-set) or "
          + "mixed (" + Workload.MIXED_READ_PERCENT + "%% get, the rest put); "
          + "default ${DEFAULT-VALUE}.")
  String workload;

  @Option(
      names = "--clients",
      paramLabel = "N[,N...]",
      defaultValue = "1,16,64",
      description = "Concurrent clients, one phase per entry (default ${DEFAULT-VALUE}).")
  String clients;

  @Option(
      names = "--duration",
      paramLabel = "DURATION",
      description = "How long each phase measures, like 10s or 1m (default 10s unless --ops).")
  String duration;

  @Option(
      names = "--ops",
      paramLabel = "N",
      description = "Measure each phase for exactly N operations instead of a duration.")
  String ops;

  @Option(
      names = "--key-space",
      paramLabel = "N",
      defaultValue = "1000",
      description = "Number of distinct keys, chosen uniformly (default ${DEFAULT-VALUE}).")
  String keySpace;

  @Option(
      names = "--value-size",
      paramLabel = "BYTES",
      defaultValue = "100",
      description = "Size of each written value (default ${DEFAULT-VALUE}).")
  String valueSize;

  @Option(
      names = "--warmup",
      paramLabel = "DURATION",
      defaultValue = "2s",
      description = "Unmeasured load at the start of each phase (default ${DEFAULT-VALUE}).")
  String warmup;

  @Option(
      names = "--route",
      paramLabel = "spread|leader",
      defaultValue = "spread",
      description = "spread: client i talks to endpoint i mod n, so followers forward writes to "
          + "the leader; leader: every client talks to the endpoint that says it leads when the "
          + "run starts, as a leader-aware client would (default ${DEFAULT-VALUE}).")
  String route;


  @Override
  public Integer call() throws InterruptedException {
    KvProtocol protocol = KvProtocol.named(target).orElseThrow(() -> cluster.usage(
        "--target: must be splitguard or etcd, got '" + target + "'"));
    Workload w = Workload.parse(workload).orElseThrow(() -> cluster.usage(
        "--workload: must be one of " + Workload.names() + ", got '" + workload + "'"));
    List<Integer> levels = clientLevels();
    if (duration != null && ops != null) {
      throw cluster.usage("--duration and --ops exclude each other: a phase runs for a time or "
          + "for a number of operations");
    }
    Duration measureFor = ops != null ? null
        : duration == null ? DEFAULT_DURATION : cluster.positiveDuration("--duration", duration);
    long opsPerPhase = ops == null ? 0 : number("--ops", ops, 1, Long.MAX_VALUE);
    int keys = (int) number("--key-space", keySpace, 1, Integer.MAX_VALUE);
    int size = (int) number("--value-size", valueSize, 0, MAX_VALUE_SIZE);
    Duration warm = cluster.duration("--warmup", warmup);
    if (!route.equals("spread") && !route.equals("leader")) {
      throw cluster.usage("--route: must be spread or leader, got '" + route + "'");
    }
    Output output = Output.of(spec);
    List<URI> endpoints = cluster.endpoints();
    if (route.equals("leader")) {
      Optional<URI> leader = leader(protocol, endpoints);
      if (leader.isEmpty()) {
        output.error("--route leader: none of " + endpoints + " says it leads (" + protocol.name()
            + " status); is the cluster up and has it elected a leader?");
        return SplitGuardCli.EXIT_FAILED;
      }
      endpoints = List.of(leader.get());
      output.progress("bench: every client talks to the leader, " + leader.get());
    }
    BenchRunner.Settings settings = new BenchRunner.Settings(
        endpoints, cluster.timeout(), keys, size, System.nanoTime(), protocol);

    List<BenchRunner.Result> results = new ArrayList<>();
    try (BenchRunner runner = new BenchRunner(settings)) {
      if (w.readsKeys()) {
        output.progress("bench: writing " + keys + " keys for the " + w.cliName() + " workload");
        Map<String, Long> failed = runner.preload();
        if (!failed.isEmpty()) {
          long n = failed.values().stream().mapToLong(Long::longValue).sum();
          output.error("could not write " + n + " of " + keys + " keys before the "
              + w.cliName() + " workload: " + codes(failed));
          return SplitGuardCli.EXIT_FAILED;
        }
      }
      for (int c : levels) {
        output.progress("bench: " + w.cliName() + " with " + c + (c == 1 ? " client" : " clients")
            + (measureFor == null ? " for " + opsPerPhase + " ops" : " for " + Output.duration(measureFor))
            + (warm.isZero() ? "" : " after " + Output.duration(warm) + " warm-up")
            + " (" + protocol.name() + ")");
        BenchRunner.Result r = runner.run(
            w, c, warm, measureFor, opsPerPhase, PROGRESS_EVERY, s -> output.progress(progressLine(w, c, s)));
        results.add(r);
      }
    }

    if (cluster.json()) {
      ArrayNode array = Output.JSON.createArrayNode();
      results.forEach(r -> array.add(json(r).put("route", route)));
      output.json(array);
    } else {
      table(results).forEach(output::line);
      for (BenchRunner.Result r : results) {
        if (!r.errors().isEmpty()) {
          output.line("errors in " + r.workload().cliName() + " with " + r.clients() + " clients: "
              + codes(r.errors()));
        }
      }
    }
    List<String> idle = results.stream().filter(r -> r.ops() == 0)
        .map(r -> r.clients() + (r.clients() == 1 ? " client" : " clients"))
        .toList();
    if (!idle.isEmpty()) {
      output.error("no operation succeeded in the phase(s) with " + String.join(", ", idle));
      return SplitGuardCli.EXIT_FAILED;
    }
    return 0;
  }

  /** The first endpoint whose status answer says it leads, asked in order. */
  private Optional<URI> leader(KvProtocol protocol, List<URI> endpoints) throws InterruptedException {
    try (BenchHttp http = new BenchHttp(cluster.timeout())) {
      for (URI endpoint : endpoints) {
        BenchHttp.Response r = http.send(endpoint, protocol.status(), cluster.timeout());
        if (r.ioError() == null && protocol.isLeader(r.status(), r.body()).orElse(false)) {
          return Optional.of(endpoint);
        }
      }
    }
    return Optional.empty();
  }

  private List<Integer> clientLevels() {
    List<Integer> levels = new ArrayList<>();
    for (String part : clients.split(",", -1)) {
      try {
        int n = Integer.parseInt(part.strip());
        if (n >= 1 && n <= MAX_CLIENTS) {
          levels.add(n);
          continue;
        }
      } catch (NumberFormatException e) {
        // Reported below.
      }
      throw cluster.usage("--clients: must be a comma-separated list of numbers from 1 to "
          + MAX_CLIENTS + ", got '" + clients + "'");
    }
    return levels;
  }

  private long number(String option, String text, long min, long max) {
    try {
      long n = Long.parseLong(text.strip());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // Reported below.
    }
    String range = max == Long.MAX_VALUE || max == Integer.MAX_VALUE
        ? ">= " + min : "from " + min + " to " + max;
    throw cluster.usage(option + ": must be a number " + range + ", got '" + text + "'");
  }

  private static String codes(Map<String, Long> errors) {
    return errors.entrySet().stream()
        .map(e -> e.getKey() + " " + e.getValue())
        .collect(Collectors.joining(", "));
  }

  private static String progressLine(Workload w, int clients, BenchRunner.Snapshot s) {
    String head = "  " + w.cliName() + " x" + clients + ": ";
    if (s.warmingUp()) {
      return head + "warming up, " + seconds(s.elapsedNanos());
    }
    double rate = s.elapsedNanos() <= 0 ? 0 : s.ops() * 1e9 / s.elapsedNanos();
    return head + seconds(s.elapsedNanos()) + ", " + s.ops() + " ops, "
        + String.format(Locale.ROOT, "%.0f ops/s", rate) + ", " + s.errors() + " errors";
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.1fs", nanos / 1e9);
  }

  private static ObjectNode json(BenchRunner.Result r) {
    ObjectNode o = Output.JSON.createObjectNode();
    o.put("target", r.target());
    o.put("workload", r.workload().cliName());
    o.put("clients", r.clients());
    o.put("ops", r.ops());
    o.put("errors", r.errorCount());
    ObjectNode byCode = o.putObject("errorsByCode");
    r.errors().forEach(byCode::put);
    o.put("durationSeconds", round(r.durationNanos() / 1e9, 3));
    o.put("throughput", round(r.throughput(), 1));
    ObjectNode latency = o.putObject("latencyMs");
    LatencyHistogram h = r.latency();
    latency.put("p50", round(h.percentileMillis(0.50), 3));
    latency.put("p90", round(h.percentileMillis(0.90), 3));
    latency.put("p99", round(h.percentileMillis(0.99), 3));
    latency.put("p99.9", round(h.percentileMillis(0.999), 3));
    latency.put("max", round(h.maxNanos() / 1e6, 3));
    return o;
  }

  private static double round(double value, int decimals) {
    double scale = Math.pow(10, decimals);
    return Math.round(value * scale) / scale;
  }

  private static List<String> table(List<BenchRunner.Result> results) {
    List<List<String>> rows = new ArrayList<>();
    for (BenchRunner.Result r : results) {
      LatencyHistogram h = r.latency();
      rows.add(List.of(
          r.workload().cliName(),
          Integer.toString(r.clients()),
          Long.toString(r.ops()),
          Long.toString(r.errorCount()),
          String.format(Locale.ROOT, "%.2fs", r.durationNanos() / 1e9),
          String.format(Locale.ROOT, "%.1f", r.throughput()),
          ms(h.percentileMillis(0.50)),
          ms(h.percentileMillis(0.90)),
          ms(h.percentileMillis(0.99)),
          ms(h.percentileMillis(0.999)),
          ms(h.maxNanos() / 1e6)));
    }
    boolean[] right = new boolean[11];
    Arrays.fill(right, 1, right.length, true); // every column but the workload is a number
    return Output.table(
        List.of("WORKLOAD", "CLIENTS", "OPS", "ERRORS", "DURATION", "OPS/S",
            "P50 MS", "P90 MS", "P99 MS", "P99.9 MS", "MAX MS"),
        rows,
        right);
  }

  private static String ms(double millis) {
    return String.format(Locale.ROOT, "%.2f", millis);
  }
}
