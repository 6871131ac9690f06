package io.splitguard.chaos.run;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster with one network namespace per node (root only). The harness creates a bridge in the
 * root namespace and joins every node namespace to it with a veth pair; addresses come from a
 * private 10.213.X.0/24 chosen for the run that no route of the machine overlaps, and exist only
 * on interfaces the harness created; the namespaces have no default route, so node traffic cannot
 * leave them. Nodes run with {@code ip netns exec NS java ...} and the harness reaches each API
 * from the root namespace through the bridge address.
 *
 * <p>Partitions are packet filter rules inside the receiving node's namespace (see {@link
 * NetnsCommands#filterTable}), loaded atomically and in parallel on all nodes; the harness's address is never filtered, so every node stays alive and
 * reachable. Slow networks use {@code tc netem} when the kernel has it, otherwise only the loss is
 * applied, with iptables (and {@link #notes()} says so).
 *
 * <p>Cleanup: {@link #close()} stops the nodes and deletes links, namespaces (and their rules) and
 * the bridge; a shutdown hook does the same on Ctrl-C; nodes are started with {@code
 * --exit-with-parent}, so even a SIGKILLed harness leaves no node running, and {@link
 * #cleanupStale} (run before every start) removes the namespaces and links of runs whose harness
 * is dead. Missing tools are installed from Debian packages ({@code iproute2}, {@code iptables}).
 */
public final class NetnsLauncher implements ClusterLauncher {
  /** The API (and heartbeat) port of every node; each namespace has its own port space. */
  public static final int API_PORT = 8101;
  /** The Raft port of every node. */
  public static final int RAFT_PORT = 9101;

  private static final Logger LOG = LoggerFactory.getLogger(NetnsLauncher.class);
  private static final Pattern LINK_NAME = Pattern.compile("(?m)^\\d+:\\s+([^:@\\s]+)");

  private final Path runDir;
  private final int size;
  private final NodeCommand command;
  private final String settingsYaml;
  private final CommandRunner runner;
  private final Consumer<String> progress;
  private final NodeProcesses processes;
  private final ExecutorService perNode;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread shutdownHook = new Thread(this::close, "chaos-netns-cleanup");
  private final List<String> notes = new CopyOnWriteArrayList<>();
  private volatile NetnsPlan plan;
  private Path clusterFile;
  private Path settingsFile;
  private boolean netem;
  private boolean shaped;
  private boolean forwardRule;

  /**
   * Prepares (does not start) a cluster; {@link #startAll()} creates the network.
   *
   * @param runDir where the cluster file, data directories ({@code data/nK}) and logs go
   * @param size the number of nodes (1-9)
   * @param command how to start a node JVM
   * @param settingsYaml node settings passed to every node, or {@code null} for the defaults
   * @param progress where to report what is being set up (tool installs, cleanup of leftovers)
   */
  public NetnsLauncher(Path runDir, int size, NodeCommand command, String settingsYaml, Consumer<String> progress) {
    this(runDir, size, command, settingsYaml, progress, CommandRunner.system(900));
  }

  NetnsLauncher(Path runDir, int size, NodeCommand command, String settingsYaml, Consumer<String> progress,
      CommandRunner runner) {
    if (size < 1 || size > 9) {
      throw new IllegalArgumentException("netns mode supports 1-9 nodes, got " + size);
    }
    this.runDir = runDir;
    this.size = size;
    this.command = command;
    this.settingsYaml = settingsYaml;
    this.runner = runner;
    this.progress = progress;
    this.processes = new NodeProcesses(size, runner);
    // One thread per node: a fault is applied to all namespaces at once, not one after another.
    this.perNode = Executors.newFixedThreadPool(size, r -> {
      Thread t = new Thread(r, "chaos-netns");
      t.setDaemon(true);
      return t;
    });
  }

  /** Whether this process runs as root ({@code id -u} is 0). */
  public static boolean isRoot() {
    try {
      return CommandRunner.system(10).check(List.of("id", "-u")).strip().equals("0");
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Installs {@code iproute2} and {@code iptables} with apt-get if {@code ip}, {@code tc} or
   * {@code iptables} is missing.
   */
  public static void ensureTools(CommandRunner runner, Consumer<String> progress) throws IOException {
    List<String> missing = new ArrayList<>();
    for (String tool : List.of("ip", "tc", "iptables")) {
      if (!runner.run(List.of("sh", "-c", "command -v " + tool)).ok()) {
        missing.add(tool);
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    progress.accept("netns: " + String.join(", ", missing) + " missing; installing iproute2 and iptables with apt-get");
    runner.check(List.of("apt-get", "update", "-q"));
    runner.check(List.of("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q",
        "iproute2", "iptables"));
  }

  /**
   * Removes what earlier runs left behind: the processes, veth pairs, bridges, forwarding rules and
   * namespaces whose names start with {@code prefix} and encode the pid of a harness that is no
   * longer running. Runs of live harnesses (including this process) are left alone.
   *
   * @return the names removed
   */
  public static List<String> cleanupStale(String prefix, CommandRunner runner) throws IOException {
    long self = ProcessHandle.current().pid();
    List<String> removed = new ArrayList<>();
    List<String> namespaces = staleNames(namespaceNames(runner), prefix, self);
    List<String> links = staleNames(linkNames(runner), prefix, self);
    for (String ns : namespaces) {
      killAllIn(ns, runner);
    }
    for (String link : links) {
      if (link.endsWith("-br")) {
        runner.run(List.of("iptables", "-w", "-D", "FORWARD", "-i", link, "-o", link, "-j", "ACCEPT"));
      }
    }
    links.sort((a, b) -> Boolean.compare(a.endsWith("-br"), b.endsWith("-br"))); // veths before bridges
    for (String link : links) {
      if (runner.run(List.of("ip", "link", "del", link)).ok()) {
        removed.add(link);
      }
    }
    for (String ns : namespaces) {
      if (runner.run(List.of("ip", "netns", "del", ns)).ok()) {
        removed.add(ns);
      }
    }
    return removed;
  }

  /** {@link #cleanupStale(String, CommandRunner)} with the real commands and the default prefix. */
  public static List<String> cleanupStale() throws IOException {
    return cleanupStale(NetnsPlan.PREFIX, CommandRunner.system(60));
  }

  @Override
  public LaunchMode mode() {
    return LaunchMode.NETNS;
  }

  @Override
  public int size() {
    return size;
  }

  /** The plan of the running network, once {@link #startAll()} has created it. */
  public Optional<NetnsPlan> plan() {
    return Optional.ofNullable(plan);
  }

  @Override
  public URI apiUrl(int index) {
    NetnsPlan p = requirePlan();
    return URI.create("http://" + p.nodeAddress(index) + ":" + p.apiPort());
  }

  @Override
  public Path logFile(int index) {
    return runDir.resolve(nodeId(index) + ".log");
  }

  /** The data directory of node {@code index}. */
  public Path dataDir(int index) {
    return runDir.resolve("data").resolve(nodeId(index));
  }

  @Override
  public synchronized void startAll() throws IOException {
    if (!isRoot()) {
      throw new IOException("netns mode needs root (id -u is not 0); use --mode loopback");
    }
    ensureTools(runner, progress);
    List<String> removed = cleanupStale(NetnsPlan.PREFIX, runner);
    if (!removed.isEmpty()) {
      progress.accept("netns: removed leftovers of earlier runs: " + String.join(", ", removed));
    }
    Set<String> taken = new LinkedHashSet<>(namespaceNames(runner));
    taken.addAll(linkNames(runner));
    long pid = ProcessHandle.current().pid();
    String runId = NetnsPlan.chooseRunId(pid, taken);
    String routes = runner.check(List.of("ip", "-4", "-o", "addr")) + "\n" + runner.check(List.of("ip", "-4", "route"));
    int octet = NetnsPlan.chooseOctet(routes, 1 + (int) Math.floorMod(pid, 250L));
    Files.createDirectories(runDir);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    plan = new NetnsPlan(runId, octet, size, API_PORT, RAFT_PORT);
    LOG.info("event=netns_setup run={} subnet={} bridge={}", runId, plan.subnet(), plan.bridge());
    for (List<String> c : NetnsCommands.setup(plan)) {
      runner.check(c);
    }
    if (bridgeNetfilterActive()) {
      forwardRule = runner.run(NetnsCommands.allowBridgeForwarding(plan)).ok();
      if (!forwardRule) {
        notes.add("netns: br_netfilter is active and the FORWARD accept rule for " + plan.bridge()
            + " could not be added; a FORWARD DROP policy would cut every link");
      }
    }
    netem = runner.run(NetnsCommands.probeNetem(plan)).ok();
    if (netem) {
      runner.run(NetnsCommands.unprobeNetem(plan));
    } else {
      notes.add("netns: the kernel has no netem qdisc; slow-network applies packet loss only (iptables statistic), no delay");
    }
    List<ClusterFiles.Member> members = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      String address = plan.nodeAddress(i);
      members.add(new ClusterFiles.Member(nodeId(i), address + ":" + RAFT_PORT, address + ":" + API_PORT));
    }
    clusterFile = ClusterFiles.writeCluster(runDir, "chaos-" + runDir.getFileName(), members);
    settingsFile = ClusterFiles.writeSettings(runDir, settingsYaml);
    Files.writeString(runDir.resolve("netns.txt"), describe(plan));
    for (int i = 0; i < size; i++) {
      start(i);
    }
  }

  @Override
  public void start(int index) throws IOException {
    NetnsPlan p = requirePlan();
    Files.createDirectories(dataDir(index));
    List<String> argv = new ArrayList<>(NetnsCommands.inNamespace(p, index));
    argv.addAll(command.argv(clusterFile, nodeId(index), dataDir(index), settingsFile, ProcessHandle.current().pid()));
    processes.start(index, argv, logFile(index));
  }

  @Override
  public void stop(int index) throws IOException {
    processes.stop(index);
  }

  @Override
  public void kill(int index) throws IOException {
    processes.kill(index);
  }

  @Override
  public void pause(int index) throws IOException {
    processes.pause(index);
  }

  @Override
  public void resume(int index) throws IOException {
    processes.resume(index);
  }

  @Override
  public boolean isRunning(int index) {
    return processes.isRunning(index);
  }

  @Override
  public boolean isPaused(int index) {
    return processes.isPaused(index);
  }

  @Override
  public boolean supportsNetworkFaults() {
    return true;
  }

  /** Replaces any earlier cut (and loss rules) with exactly these links, atomically per node. */
  @Override
  public synchronized void cut(Set<Link> links) throws IOException {
    NetnsPlan p = requirePlan();
    forEachNode(i -> runner.check(NetnsCommands.restoreFilter(p, i), NetnsCommands.filterTable(p, i, links, 0)));
  }

  @Override
  public synchronized String slow(NetworkShaping shaping) throws IOException {
    NetnsPlan p = requirePlan();
    healNetwork();
    shaped = true;
    if (netem) {
      forEachNode(i -> runner.check(NetnsCommands.tcBatch(p, i), NetnsCommands.netemBatch(p, shaping)));
      return shaping.describe();
    }
    forEachNode(i -> runner.check(NetnsCommands.restoreFilter(p, i),
        NetnsCommands.filterTable(p, i, Set.of(), shaping.lossPercent())));
    return "loss=" + shaping.loss() + " only (kernel has no netem: no delay)";
  }

  @Override
  public synchronized void healNetwork() throws IOException {
    NetnsPlan p = requirePlan();
    if (shaped) {
      forEachNode(i -> runner.run(NetnsCommands.healShaping(p, i))); // harmless where no qdisc was added
      shaped = false;
    }
    forEachNode(i -> runner.check(NetnsCommands.restoreFilter(p, i), NetnsCommands.filterTable(p, i, Set.of(), 0)));
  }

  /** A command for one node. */
  @FunctionalInterface
  private interface NodeAction {
    void run(int index) throws IOException;
  }

  /**
   * Runs {@code action} for every node in parallel and waits for all; every node is attempted
   * even if another fails (a heal must remove every rule it can), then the first failure is thrown.
   */
  private void forEachNode(NodeAction action) throws IOException {
    List<Future<?>> results = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      int index = i;
      results.add(perNode.submit(() -> {
        action.run(index);
        return null;
      }));
    }
    IOException first = null;
    for (Future<?> f : results) {
      try {
        f.get();
      } catch (ExecutionException e) {
        if (first == null) {
          first = e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while changing the network", e);
      }
    }
    if (first != null) {
      throw first;
    }
  }

  @Override
  public List<String> notes() {
    return List.copyOf(notes);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    processes.stopAll();
    perNode.shutdownNow();
    NetnsPlan p = plan;
    if (p != null) {
      try {
        for (int i = 0; i < p.nodes(); i++) {
          killAllIn(p.namespace(i), runner);
        }
        if (forwardRule) {
          runner.run(NetnsCommands.disallowBridgeForwarding(p));
        }
        for (List<String> c : NetnsCommands.teardown(p)) {
          runner.run(c); // each may already be gone; go on regardless
        }
        List<String> left = new ArrayList<>(namespaceNames(runner));
        left.addAll(linkNames(runner));
        left.removeIf(n -> !n.startsWith(NetnsPlan.PREFIX + p.runId() + "-"));
        if (!left.isEmpty()) {
          LOG.warn("event=netns_cleanup_incomplete run={} left={}", p.runId(), left);
        }
      } catch (IOException e) {
        LOG.warn("event=netns_cleanup_failed run={} error={}", p.runId(), e.toString());
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException | IllegalArgumentException e) {
      // already shutting down (we are the hook), or never registered
    }
    LOG.info("event=cluster_stopped mode=netns dir={}", runDir);
  }

  private NetnsPlan requirePlan() {
    NetnsPlan p = plan;
    if (p == null) {
      throw new IllegalStateException("the network does not exist yet; call startAll() first");
    }
    return p;
  }

  private boolean bridgeNetfilterActive() {
    try {
      Path flag = Path.of("/proc/sys/net/bridge/bridge-nf-call-iptables");
      return Files.exists(flag) && Files.readString(flag).strip().equals("1");
    } catch (IOException e) {
      return false;
    }
  }

  private static String describe(NetnsPlan p) {
    StringBuilder s = new StringBuilder("run " + p.runId() + "\nsubnet " + p.subnet() + "\nbridge "
        + p.bridge() + " " + p.harnessAddress() + "\n");
    for (int i = 0; i < p.nodes(); i++) {
      s.append(Fault.id(i)).append(" namespace ").append(p.namespace(i)).append(" address ")
          .append(p.nodeAddress(i)).append(" veth ").append(p.hostVeth(i)).append('\n');
    }
    return s.toString();
  }

  private static void killAllIn(String namespace, CommandRunner runner) throws IOException {
    CommandRunner.Result pids = runner.run(List.of("ip", "netns", "pids", namespace));
    if (pids.ok()) {
      for (String pid : pids.output().split("\\s+")) {
        if (pid.matches("\\d+")) {
          runner.run(List.of("kill", "-KILL", pid));
        }
      }
    }
  }

  static List<String> namespaceNames(CommandRunner runner) throws IOException {
    List<String> names = new ArrayList<>();
    CommandRunner.Result r = runner.run(List.of("ip", "netns", "list"));
    if (r.ok()) {
      for (String line : r.output().split("\n")) {
        String name = line.strip().split("\\s+")[0];
        if (!name.isEmpty()) {
          names.add(name);
        }
      }
    }
    return names;
  }

  static List<String> linkNames(CommandRunner runner) throws IOException {
    List<String> names = new ArrayList<>();
    Matcher m = LINK_NAME.matcher(runner.check(List.of("ip", "-o", "link", "show")));
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  static List<String> staleNames(List<String> names, String prefix, long self) {
    List<String> stale = new ArrayList<>();
    for (String name : names) {
      Optional<Long> owner = NetnsPlan.ownerPid(name, prefix);
      if (owner.isPresent() && owner.get() != self
          && ProcessHandle.of(owner.get()).map(ProcessHandle::isAlive).orElse(false) == Boolean.FALSE) {
        stale.add(name);
      }
    }
    return stale;
  }
}
