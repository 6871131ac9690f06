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
        + "baseline and a candidate (each a directory of *.json files) with their ratios.")
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
    for (Map.Entry<String, JsonNode> e : cand.load.entrySet()) {
      JsonNode y = e.getValue();
      JsonNode x = base.load.get(e.getKey());
      if (x == null) {
        continue;
      }
      double tx = x.path("throughput").asDouble();
      double ty = y.path("throughput").asDouble();
      double px = x.path("latencyMs").path("p99").asDouble();
      double py = y.path("latencyMs").path("p99").asDouble();
      load.add(List.of(y.path("workload").asText(), y.path("clients").asText(),
          f1(tx), f1(ty), ratio(ty, tx),
          f2(x.path("latencyMs").path("p50").asDouble()), f2(y.path("latencyMs").path("p50").asDouble()),
          f2(px), f2(py), ratio(py, px),
          x.path("errors").asText() + " / " + y.path("errors").asText()));
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
    print(output, List.of("WORKLOAD", "CLIENTS", b + " OPS/S", c + " OPS/S", c + "/" + b,
        b + " P50 MS", c + " P50 MS", b + " P99 MS", c + " P99 MS", c + "/" + b + " P99",
        "ERRORS " + b + " / " + c), load);
    output.line("");
    print(output, List.of("FAILOVER", "REPEATS", b + " MEDIAN MS", c + " MEDIAN MS", c + "/" + b,
        b + " MAX MS", c + " MAX MS", "LOST " + b + " / " + c), failover);
    return 0;
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

  /** One target's results: load phases by "workload xclients", failover runs by workload. */
  private static final class Results {
    String target = "?";
    final Map<String, JsonNode> load = new LinkedHashMap<>();
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
            r.load.put(phase.path("workload").asText() + " x" + phase.path("clients").asText(), phase);
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
