package io.splitguard.chaos.run;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Everything one chaos run needs. Build with {@link #builder(NodeCommand)}; the canonical
 * constructor checks every field and refuses a nemesis the mode cannot run.
 *
 * @param nodes cluster size: 3, 5, 7 or 9
 * @param mode loopback or netns
 * @param nemesis nemesis name (see {@link Nemeses#NAMES})
 * @param workload workload name (see {@link Workloads#NAMES})
 * @param duration how long the clients run (the nemesis schedule fits inside, ending healed)
 * @param seed the run seed: every random choice of the schedule and the clients derives from it
 * @param outputDir the run directory {@code run-<seed>-<n>} is created under it
 * @param nodeCommand how to start a node JVM
 * @param nodeSettingsYaml node settings YAML given to every node, or {@code null} for defaults
 * @param clients number of client threads
 * @param keys number of keys of the register workload, or of locks of the locks workload
 * @param requestTimeout bound on every client request (no retries)
 * @param thinkTime mean pause between one client's operations
 * @param startupTimeout how long to wait for the first leader
 * @param timing shape of the nemesis schedule
 * @param progress where progress lines (seed, run directory, summary) go
 */
public record ChaosConfig(
    int nodes,
    LaunchMode mode,
    String nemesis,
    String workload,
    Duration duration,
    long seed,
    Path outputDir,
    NodeCommand nodeCommand,
    String nodeSettingsYaml,
    int clients,
    int keys,
    Duration requestTimeout,
    Duration thinkTime,
    Duration startupTimeout,
    NemesisTiming timing,
    Consumer<String> progress) {

  /** Checks every field. */
  public ChaosConfig {
    if (nodes < 3 || nodes > 9 || nodes % 2 == 0) {
      throw new IllegalArgumentException("nodes must be 3, 5, 7 or 9, got " + nodes);
    }
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(nemesis, "nemesis");
    Objects.requireNonNull(workload, "workload");
    Objects.requireNonNull(outputDir, "outputDir");
    Objects.requireNonNull(nodeCommand, "nodeCommand");
    Objects.requireNonNull(timing, "timing");
    Objects.requireNonNull(progress, "progress");
    positive("duration", duration);
    positive("requestTimeout", requestTimeout);
    positive("startupTimeout", startupTimeout);
    Objects.requireNonNull(thinkTime, "thinkTime");
    if (thinkTime.isNegative()) {
      throw new IllegalArgumentException("thinkTime must not be negative");
    }
    if (clients < 1 || clients > 256) {
      throw new IllegalArgumentException("clients must be 1-256, got " + clients);
    }
    if (keys < 1 || keys > 10_000) {
      throw new IllegalArgumentException("keys must be 1-10000, got " + keys);
    }
    Nemeses.requireSupported(nemesis, mode);
    Workloads.named(workload, keys, thinkTime); // refuses unknown names now, not mid-run
  }

  /**
   * A builder with the defaults: 3 nodes, loopback, mix, register, 30 s, 5 clients, and the
   * workload's number of keys ({@link Workloads#defaultKeys}).
   */
  public static Builder builder(NodeCommand nodeCommand) {
    return new Builder(nodeCommand);
  }

  /** A builder for {@link ChaosConfig}; every setter has a default. */
  public static final class Builder {
    private final NodeCommand nodeCommand;
    private int nodes = 3;
    private LaunchMode mode = LaunchMode.LOOPBACK;
    private String nemesis = "mix";
    private String workload = "register";
    private Duration duration = Duration.ofSeconds(30);
    private Long seed;
    private Path outputDir = Path.of("chaos-runs");
    private String nodeSettingsYaml;
    private int clients = 5;
    private Integer keys; // null: the workload's default
    private Duration requestTimeout = Duration.ofSeconds(1);
    private Duration thinkTime = RegisterWorkload.Options.DEFAULT.thinkTime();
    private Duration startupTimeout = Duration.ofSeconds(60);
    private NemesisTiming timing = NemesisTiming.DEFAULT;
    private Consumer<String> progress = System.out::println;

    private Builder(NodeCommand nodeCommand) {
      this.nodeCommand = Objects.requireNonNull(nodeCommand, "nodeCommand");
    }

    /** Cluster size (default 3). */
    public Builder nodes(int v) {
      nodes = v;
      return this;
    }

    /** Launch mode (default loopback). */
    public Builder mode(LaunchMode v) {
      mode = v;
      return this;
    }

    /** Nemesis name (default {@code mix}). */
    public Builder nemesis(String v) {
      nemesis = v;
      return this;
    }

    /** Workload name (default {@code register}). */
    public Builder workload(String v) {
      workload = v;
      return this;
    }

    /** Client run time (default 30 s). */
    public Builder duration(Duration v) {
      duration = v;
      return this;
    }

    /** Run seed (default: drawn from the clock, and printed). */
    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /** Output directory (default {@code chaos-runs}). */
    public Builder outputDir(Path v) {
      outputDir = v;
      return this;
    }

    /** Node settings YAML for every node (default none: the node's defaults). */
    public Builder nodeSettingsYaml(String v) {
      nodeSettingsYaml = v;
      return this;
    }

    /** Client threads (default 5). */
    public Builder clients(int v) {
      clients = v;
      return this;
    }

    /** Register keys or locks (default: the workload's, 5 registers or 2 locks). */
    public Builder keys(int v) {
      keys = v;
      return this;
    }

    /** Per-request timeout (default 1 s). */
    public Builder requestTimeout(Duration v) {
      requestTimeout = v;
      return this;
    }

    /** Mean pause between one client's operations (default 10 ms). */
    public Builder thinkTime(Duration v) {
      thinkTime = v;
      return this;
    }

    /** Time allowed for the first leader election (default 60 s). */
    public Builder startupTimeout(Duration v) {
      startupTimeout = v;
      return this;
    }

    /** Nemesis schedule shape (default {@link NemesisTiming#DEFAULT}). */
    public Builder timing(NemesisTiming v) {
      timing = v;
      return this;
    }

    /** Progress output (default: standard output). */
    public Builder progress(Consumer<String> v) {
      progress = v;
      return this;
    }

    /** The checked configuration. */
    public ChaosConfig build() {
      // The default seed is the one non-reproducible input; it is printed with every run.
      long s = seed != null ? seed : System.nanoTime() ^ System.currentTimeMillis();
      int k = keys != null ? keys : Workloads.defaultKeys(Objects.requireNonNull(workload, "workload"));
      return new ChaosConfig(nodes, mode, nemesis, workload, duration, s, outputDir, nodeCommand,
          nodeSettingsYaml, clients, k, requestTimeout, thinkTime, startupTimeout, timing, progress);
    }
  }

  private static void positive(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
  }
}
