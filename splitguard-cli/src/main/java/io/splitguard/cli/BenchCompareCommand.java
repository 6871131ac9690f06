package io.splitguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code splitguard bench compare}: puts the saved {@code --json} results of two targets side by
 * side, with ratios, as {@code bench/compare-etcd.sh} prints them. Load phases are matched by
 * workload and client count, failover runs by fault.
 */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    description = "Tabulate saved 'bench --json' and 'bench failover --json' results of a "
        + "baseline and a candidate (each a directory of *.json files) with their ratios; a "
        + "phase found in several files (rounds) is shown as the median of each metric.")
final class BenchCompareCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--baseline", paramLabel = "DIR", required = true,
      description = "Results of the baseline (etcd in compare-etcd.sh).")
  Path baseline;

  @Option(names = "--candidate", paramLabel = "DIR", required = true,
      description = "Results of the candidate (SplitGuard in compare-etcd.sh).")
  Path candidate;

  @Option(names = "--markdown", description = "Print Markdown tables, as in docs/benchmarks.md.")
  boolean markdown;

  @Override
  public Integer call() throws IOException {
    Output output = Output.of(spec);
    Results base = Results.read(baseline);
    Results cand = Results.read(candidate);
    String b = base.target;
    String c = cand.target;
    List<List<String>> load = new ArrayList<>();
    for (Map.Entry<String, List<JsonNode>> e : cand.load.entrySet()) {
      List<JsonNode> y = e.getValue();
      List<JsonNode> x = base.load.get(e.getKey());
      if (x == null) {
        continue;
      }
      double tx = median(x, "throughput");
      double ty = median(y, "throughput");
      double px = median(x, "p99");
      double py = median(y, "p99");
      load.add(List.of(label(y.get(0)), y.get(0).path("clients").asText(),
          x.size() + " / " + y.size(),
          f1(tx), f1(ty), ratio(ty, tx),
          f2(median(x, "p50")), f2(median(y, "p50")),
          f2(px), f2(py), ratio(py, px),
          sum(x, "errors") + " / " + sum(y, "errors")));
    }
    List<List<String>> failover = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : cand.failover.entrySet()) {
      JsonNode y = e.getValue();
      JsonNode x = base.failover.get(e.getKey());
      if (x == null) {
        continue;
      }
      double wx = x.path("medianWindowMs").asDouble(Double.NaN);
      double wy = y.path("medianWindowMs").asDouble(Double.NaN);
      failover.add(List.of(e.getKey(), Integer.toString(y.path("repeats").size()),
          f1(wx), f1(wy), ratio(wy, wx),
          f1(x.path("maxWindowMs").asDouble(Double.NaN)), f1(y.path("maxWindowMs").asDouble(Double.NaN)),
          x.path("lost").asText() + " / " + y.path("lost").asText()));
    }
    print(output, List.of("WORKLOAD", "CLIENTS", "ROUNDS " + b + " / " + c, b + " OPS/S", c + " OPS/S", c + "/" + b,
        b + " P50 MS", c + " P50 MS", b + " P99 MS", c + " P99 MS", c + "/" + b + " P99",
        "ERRORS " + b + " / " + c), load);
    output.line("");
    print(output, List.of("FAILOVER", "REPEATS", b + " MEDIAN MS", c + " MEDIAN MS", c + "/" + b,
        b + " MAX MS", c + " MAX MS", "LOST " + b + " / " + c), failover);
    return 0;
  }

  /** The workload, marked when every client talked to the leader ({@code bench --route leader}). */
  private static String label(JsonNode phase) {
    String workload = phase.path("workload").asText();
    return phase.path("route").asText("spread").equals("leader") ? workload + " (to the leader)" : workload;
  }

  private void print(Output output, List<String> header, List<List<String>> rows) {
    if (!markdown) {
      boolean[] right = new boolean[header.size()];
      java.util.Arrays.fill(right, 1, right.length, true);
      Output.table(header, rows, right).forEach(output::line);
      return;
    }
    output.line("| " + String.join(" | ", header).toLowerCase(Locale.ROOT) + " |");
    StringBuilder sep = new StringBuilder("|---|");
    for (int i = 1; i < header.size(); i++) {
      sep.append("---:|");
    }
    output.line(sep.toString());
    rows.forEach(r -> output.line("| " + String.join(" | ", r) + " |"));
  }

  /**
   * The median over rounds of one phase's {@code throughput}, or of a latency percentile ({@code
   * p50}, {@code p99}); each metric on its own, so the row need not be one round's.
   */
  static double median(List<JsonNode> rounds, String metric) {
    return FailoverWindow.median(rounds.stream()
        .map(n -> metric.equals("throughput")
            ? n.path("throughput").asDouble(Double.NaN)
            : n.path("latencyMs").path(metric).asDouble(Double.NaN))
        .filter(d -> !Double.isNaN(d))
        .toList());
  }

  private static long sum(List<JsonNode> rounds, String field) {
    return rounds.stream().mapToLong(n -> n.path(field).asLong()).sum();
  }

  private static String f1(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String f2(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
  }

  private static String ratio(double candidate, double baseline) {
    return Double.isNaN(candidate) || Double.isNaN(baseline) || baseline == 0 ? "-"
        : String.format(Locale.ROOT, "%.2fx", candidate / baseline);
  }

  /**
   * One target's results: load phases by "workload xclients" (one per round: every file of the
   * directory holding that phase), failover runs by workload.
   */
  private static final class Results {
    String target = "?";
    final Map<String, List<JsonNode>> load = new LinkedHashMap<>();
    final Map<String, JsonNode> failover = new LinkedHashMap<>();

    static Results read(Path dir) throws IOException {
      Results r = new Results();
      List<Path> files;
      try (Stream<Path> list = Files.list(dir)) {
        files = list.filter(p -> p.toString().endsWith(".json")).sorted().toList();
      }
      for (Path p : files) {
        JsonNode doc = Output.JSON.readTree(p.toFile());
        if (doc.isArray()) {
          for (JsonNode phase : doc) {
            r.target = phase.path("target").asText(r.target);
            r.load.computeIfAbsent(label(phase) + " x" + phase.path("clients").asText(),
                k -> new ArrayList<>()).add(phase);
          }
        } else if (doc.isObject() && doc.has("medianWindowMs")) {
          r.target = doc.path("target").asText(r.target);
          r.failover.put(doc.path("workload").asText(), doc);
        }
      }
      return r;
    }
  }
}
