package io.splitguard.testkit.study;

import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.detector.ArrivalEstimate;
import io.splitguard.core.detector.DetectorSettings;
import io.splitguard.core.detector.PartitionDetector;
import io.splitguard.testkit.sim.FixedTimeoutDetector;
import io.splitguard.testkit.sim.NetworkModel;
import io.splitguard.testkit.sim.SimConfig;
import io.splitguard.testkit.sim.Simulation;
import io.splitguard.testkit.sim.Stalls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Measures the phi-accrual detector in the simulator: for thresholds 4..12 (the {@code lan}
 * profile otherwise) and clusters of 5, 50 and 200 nodes, the crash-detection latency (p50, p99)
 * and the wrong suspicions per node-hour on a jittery, lossy network with sender stalls; and a
 * fixed-timeout detector tuned to the same number of wrong suspicions, with its detection
 * latency. Writes {@code detection.csv} and {@code detection-latency.svg}, then measures the cost
 * of one heartbeat round at 200 nodes.
 *
 * <p>Usage: {@code DetectionStudy [--out DIR] [--svg FILE] [--seed N] [--quick]}. {@code --quick}
 * shrinks every run (for tests); the numbers are then meaningless.
 *
 * <p>Every number is a function of the seed. Wall-clock time and heap are read only for the cost
 * measurement, which is reported, never asserted.
 */
public final class DetectionStudy {
  static final double[] THRESHOLDS = {4, 5, 6, 7, 8, 9, 10, 11, 12};
  static final int[] SIZES = {5, 50, 200};
  private static final long MS = 1_000_000;

  /**
   * The study network: the jittery LAN (log-normal jitter, median 2 ms, 1% loss, uneven links)
   * plus sender stalls, 2 per node per minute, median 200 ms, sigma 1 (so about 5% exceed 1 s),
   * capped at 10 s. Stalls are what produce wrong suspicions; without them no threshold in 4..12
   * ever suspects a live peer.
   */
  static NetworkModel network() {
    return NetworkModel.jitteryLan()
        .withStalls(new Stalls(2, Duration.ofMillis(200), 1.0, Duration.ofSeconds(10)));
  }

  /** How long each kind of run lasts. */
  record Plan(Duration warmup, Duration[] fpDuration, int[] crashTrials, int crashesPerTrial) {}

  static Plan fullPlan() {
    return new Plan(Duration.ofSeconds(15),
        new Duration[] {Duration.ofHours(4), Duration.ofMinutes(20), Duration.ofMinutes(2)},
        new int[] {60, 4, 2}, 5);
  }

  static Plan quickPlan() {
    return new Plan(Duration.ofSeconds(2),
        new Duration[] {Duration.ofSeconds(20), Duration.ofSeconds(5), Duration.ofSeconds(2)},
        new int[] {2, 1, 1}, 1);
  }

  /**
   * One line of the result.
   *
   * @param nodes cluster size
   * @param threshold phi threshold
   * @param phiP50Ms median crash-detection latency of the phi detector
   * @param phiP99Ms p99 of the same
   * @param phiFpPerNodeHour wrong suspicions raised per node per hour (each node watches n-1 peers)
   * @param phiFpPerPairHour the same per watched peer
   * @param fixedTimeoutMs shortest fixed timeout with at most as many wrong suspicions
   * @param fixedP50Ms median crash-detection latency with that timeout
   * @param fixedP99Ms p99 of the same
   * @param fixedFpPerNodeHour its wrong suspicions per node-hour
   * @param crashSamples (observer, crashed node) pairs the latencies come from
   * @param nodeHours simulated node-hours behind the false-positive rates
   */
  record Row(int nodes, double threshold, double phiP50Ms, double phiP99Ms,
      double phiFpPerNodeHour, double phiFpPerPairHour, int fixedTimeoutMs, double fixedP50Ms,
      double fixedP99Ms, double fixedFpPerNodeHour, int crashSamples, double nodeHours) {}

  /** One observer of one crash: when the crash happened and what the observer had fitted. */
  record CrashSample(long crashNanos, ArrivalEstimate estimate) {}

  public static void main(String[] args) throws IOException {
    Path out = Path.of("target", "detection-study");
    Path svg = null;
    long seed = 2026;
    boolean quick = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out" -> out = Path.of(args[++i]);
        case "--svg" -> svg = Path.of(args[++i]);
        case "--seed" -> seed = Long.parseLong(args[++i]);
        case "--quick" -> quick = true;
        default -> throw new IllegalArgumentException(
            "unknown argument " + args[i] + "; use --out DIR --svg FILE --seed N --quick");
      }
    }
    if (svg == null) {
      svg = out.resolve("detection-latency.svg");
    }
    long started = System.nanoTime();
    List<Row> rows = run(quick ? quickPlan() : fullPlan(), seed, System.out);
    Files.createDirectories(out);
    Files.writeString(out.resolve("detection.csv"), csv(rows), StandardCharsets.UTF_8);
    if (svg.getParent() != null) {
      Files.createDirectories(svg.getParent());
    }
    Files.writeString(svg, chart(rows), StandardCharsets.UTF_8);
    System.out.println(markdown(rows));
    System.out.printf(Locale.ROOT, "study took %.1f s of wall time (seed %d)%n",
        (System.nanoTime() - started) / 1e9, seed);
    System.out.println(cost(quick ? 20 : 300, seed));
  }

  /** Runs the study; progress goes to {@code log}. */
  static List<Row> run(Plan plan, long seed, java.io.PrintStream log) {
    List<Row> rows = new ArrayList<>();
    for (int s = 0; s < SIZES.length; s++) {
      int n = SIZES[s];
      long t0 = System.nanoTime();
      FalsePositiveCounter fp = falsePositives(n, seed + s, plan.warmup(), plan.fpDuration()[s]);
      double measured = plan.fpDuration()[s].toNanos() / 3.6e12;
      double nodeHours = n * measured;
      double pairHours = (double) n * (n - 1) * measured;
      List<CrashSample> crashes = crashes(n, seed + 100 * (s + 1), plan, plan.crashTrials()[s]);
      log.printf(Locale.ROOT, "n=%d: %.2f node-hours, %d crash samples, %.1f s%n", n, nodeHours,
          crashes.size(), (System.nanoTime() - t0) / 1e9);
      for (int k = 0; k < THRESHOLDS.length; k++) {
        double threshold = THRESHOLDS[k];
        long phiFp = fp.phiCount(k);
        int timeoutMs = fp.timeoutForAtMost(phiFp);
        double[] phiLatency = new double[crashes.size()];
        double[] fixedLatency = new double[crashes.size()];
        for (int c = 0; c < crashes.size(); c++) {
          CrashSample sample = crashes.get(c);
          // A peer already suspected when it crashed (it was stalled) is detected at once.
          phiLatency[c] = Math.max(0, sample.estimate().nanosWhenPhiReaches(threshold)
              - sample.crashNanos()) / 1e6;
          FixedTimeoutDetector fixed = new FixedTimeoutDetector(Duration.ofMillis(timeoutMs));
          fixed.heartbeat(sample.estimate().lastArrivalNanos());
          fixedLatency[c] = Math.max(0, fixed.suspicionTimeNanos() - sample.crashNanos()) / 1e6;
        }
        rows.add(new Row(n, threshold, percentile(phiLatency, 50), percentile(phiLatency, 99),
            phiFp / nodeHours, phiFp / pairHours, timeoutMs, percentile(fixedLatency, 50),
            percentile(fixedLatency, 99), fp.fixedCount(timeoutMs) / nodeHours, crashes.size(),
            nodeHours));
      }
    }
    return rows;
  }

  /** A crash-free run of {@code n} nodes, counting wrong suspicions after the warm-up. */
  static FalsePositiveCounter falsePositives(int n, long seed, Duration warmup, Duration measure) {
    Simulation sim = new Simulation(SimConfig.of(n, seed, network()));
    FalsePositiveCounter counter = new FalsePositiveCounter(THRESHOLDS, warmup.toNanos());
    sim.setListener(counter);
    sim.runFor(warmup.plus(measure));
    counter.finish(sim);
    return counter;
  }

  /**
   * Crash trials: each warms a fresh cluster up, then crashes {@code crashesPerTrial} distinct
   * nodes two seconds apart, and collects every live observer's estimate of each crashed node
   * once the last heartbeats have landed.
   */
  static List<CrashSample> crashes(int n, long seed, Plan plan, int trials) {
    List<CrashSample> samples = new ArrayList<>();
    int perTrial = Math.min(plan.crashesPerTrial(), n / 2 - 1);
    perTrial = Math.max(1, perTrial);
    for (int t = 0; t < trials; t++) {
      long trialSeed = seed * 1_000_003L + t;
      Simulation sim = new Simulation(SimConfig.of(n, trialSeed, network()));
      SplittableRandom pick = new SplittableRandom(trialSeed);
      sim.runFor(plan.warmup());
      List<Integer> victims = new ArrayList<>();
      long[] crashAt = new long[perTrial];
      while (victims.size() < perTrial) {
        int v = pick.nextInt(n);
        if (!victims.contains(v)) {
          crashAt[victims.size()] = sim.nowNanos();
          victims.add(v);
          sim.crash(v);
          sim.runFor(Duration.ofSeconds(2));
        }
      }
      // Long enough for the last heartbeat on the wire to land (delays are far below this).
      sim.runFor(Duration.ofSeconds(3));
      for (int v = 0; v < victims.size(); v++) {
        for (int i = 0; i < n; i++) {
          if (!sim.isCrashed(i)) {
            samples.add(new CrashSample(crashAt[v], sim.estimate(i, victims.get(v)).orElseThrow()));
          }
        }
      }
    }
    return samples;
  }

  static double percentile(double[] values, double p) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank))];
  }

  static String csv(List<Row> rows) {
    StringBuilder b = new StringBuilder("nodes,threshold,phi_detect_p50_ms,phi_detect_p99_ms,"
        + "phi_fp_per_node_hour,phi_fp_per_pair_hour,fixed_timeout_ms,fixed_detect_p50_ms,"
        + "fixed_detect_p99_ms,fixed_fp_per_node_hour,crash_samples,node_hours\n");
    for (Row r : rows) {
      b.append(String.format(Locale.ROOT, "%d,%.0f,%.1f,%.1f,%.3f,%.5f,%d,%.1f,%.1f,%.3f,%d,%.2f%n",
          r.nodes(), r.threshold(), r.phiP50Ms(), r.phiP99Ms(), r.phiFpPerNodeHour(),
          r.phiFpPerPairHour(), r.fixedTimeoutMs(), r.fixedP50Ms(), r.fixedP99Ms(),
          r.fixedFpPerNodeHour(), r.crashSamples(), r.nodeHours()));
    }
    return b.toString();
  }

  static String markdown(List<Row> rows) {
    StringBuilder b = new StringBuilder(
        "| nodes | threshold | phi p50 ms | phi p99 ms | phi FP / node-h | phi FP / pair-h "
            + "| fixed timeout ms | fixed p50 ms | fixed p99 ms | fixed FP / node-h |\n"
            + "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Row r : rows) {
      b.append(String.format(Locale.ROOT,
          "| %d | %.0f | %.0f | %.0f | %.2f | %.4f | %d | %.0f | %.0f | %.2f |%n",
          r.nodes(), r.threshold(), r.phiP50Ms(), r.phiP99Ms(), r.phiFpPerNodeHour(),
          r.phiFpPerPairHour(), r.fixedTimeoutMs(), r.fixedP50Ms(), r.fixedP99Ms(),
          r.fixedFpPerNodeHour()));
    }
    return b.toString();
  }

  static String chart(List<Row> rows) {
    String[] colors = {"#1b9e77", "#d95f02", "#7570b3"};
    List<LineChart.Series> series = new ArrayList<>();
    for (int s = 0; s < SIZES.length; s++) {
      int n = SIZES[s];
      List<Row> mine = rows.stream().filter(r -> r.nodes() == n).toList();
      double[] xs = mine.stream().mapToDouble(Row::threshold).toArray();
      series.add(new LineChart.Series("phi p50, " + n + " nodes", colors[s], false, xs,
          mine.stream().mapToDouble(Row::phiP50Ms).toArray()));
      series.add(new LineChart.Series("fixed timeout p50, " + n + " nodes", colors[s], true, xs,
          mine.stream().mapToDouble(Row::fixedP50Ms).toArray()));
    }
    return LineChart.svg(
        "Crash detection latency vs phi threshold (fixed timeout at equal false positives)",
        "phi threshold (lan profile otherwise)", "detection latency after the crash, ms", series);
  }

  /**
   * The cost of one heartbeat round at 200 nodes: every node receives a heartbeat from each of
   * its 199 peers and computes its status once. Measured two ways: the whole simulator (network
   * sampling, event queue, detectors), and the detectors alone (what a real node pays, times
   * 200). Thread CPU time; heap after a full GC.
   */
  static String cost(int rounds, long seed) {
    int n = 200;
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Runtime rt = Runtime.getRuntime();
    System.gc();
    long heapBefore = rt.totalMemory() - rt.freeMemory();
    Simulation sim = new Simulation(SimConfig.of(n, seed, network()));
    sim.runFor(Duration.ofSeconds(5));
    System.gc();
    long heapSim = rt.totalMemory() - rt.freeMemory() - heapBefore;
    long cpu0 = threads.getCurrentThreadCpuTime();
    long wall0 = System.nanoTime();
    sim.runFor(Duration.ofMillis(100L * rounds));
    double simCpuMs = (threads.getCurrentThreadCpuTime() - cpu0) / 1e6 / rounds;
    double simWallMs = (System.nanoTime() - wall0) / 1e6 / rounds;
    long delivered = sim.stats().delivered();
    sim = null; // let the simulation's detectors go before measuring the bare ones

    NodeId[] ids = new NodeId[n];
    for (int i = 0; i < n; i++) {
      ids[i] = NodeId.of("n" + i);
    }
    System.gc();
    long heapBefore2 = rt.totalMemory() - rt.freeMemory();
    PartitionDetector[] detectors = new PartitionDetector[n];
    for (int i = 0; i < n; i++) {
      List<NodeId> peers = new ArrayList<>();
      for (int j = 0; j < n; j++) {
        if (j != i) {
          peers.add(ids[j]);
        }
      }
      detectors[i] = new PartitionDetector(peers, DetectorSettings.lan());
    }
    SplittableRandom random = new SplittableRandom(seed);
    long now = 0;
    long sink = 0;
    int warm = 50;
    long cpuStart = 0;
    for (int round = 0; round < warm + rounds; round++) {
      if (round == warm) {
        cpuStart = threads.getCurrentThreadCpuTime();
      }
      now += 100 * MS;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          if (j != i) {
            detectors[i].onHeartbeat(ids[j], now + random.nextLong(5 * MS));
          }
        }
        sink += detectors[i].status(now + 5 * MS).ordinal() + 1;
      }
    }
    double detCpuMs = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e6 / rounds;
    System.gc();
    long heapDetectors = rt.totalMemory() - rt.freeMemory() - heapBefore2;
    // Keep the detectors alive through the GC above, or the JIT may free them before it.
    java.lang.ref.Reference.reachabilityFence(detectors);
    return String.format(Locale.ROOT,
        "cost at 200 nodes (39,800 detector pairs), %d rounds of 100 ms:%n"
            + "  simulator: %.2f ms CPU (%.2f ms wall) per round, %.0f heartbeats per round, "
            + "heap %.0f MiB%n"
            + "  detectors only: %.2f ms CPU per round = %.0f ns per heartbeat (incl. 200 status"
            + " checks), heap %.0f MiB = %.2f MiB per node (199 peers, window 1000)%n"
            + "  (checksum %d)",
        rounds, simCpuMs, simWallMs, (double) delivered / (50 + rounds), heapSim / 1048576.0,
        detCpuMs, detCpuMs * 1e6 / (n * (n - 1)), heapDetectors / 1048576.0,
        heapDetectors / 1048576.0 / n, sink);
  }

  private DetectionStudy() {}
}
