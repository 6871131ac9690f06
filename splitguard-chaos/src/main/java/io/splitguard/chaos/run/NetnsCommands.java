package io.splitguard.chaos.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code ip}, {@code iptables} and {@code tc} command lines of a netns run, as pure functions
 * of the plan, so they can be reviewed and tested without running them. Every command runs either
 * on an interface the harness created or inside a namespace it created; nothing touches the host's
 * own interfaces or rules, except one ACCEPT rule for the run's bridge in the root FORWARD chain
 * (see {@link #allowBridgeForwarding}).
 */
public final class NetnsCommands {
  /** The interface name of each node inside its namespace. */
  public static final String NODE_IF = "eth0";

  private NetnsCommands() {}

  /** Bridge, namespaces, veth pairs and addresses; the namespaces get no default route. */
  public static List<List<String>> setup(NetnsPlan plan) {
    List<List<String>> c = new ArrayList<>();
    c.add(List.of("ip", "link", "add", plan.bridge(), "type", "bridge"));
    c.add(List.of("ip", "addr", "add", plan.harnessAddress() + "/24", "dev", plan.bridge()));
    c.add(List.of("ip", "link", "set", plan.bridge(), "up"));
    for (int i = 0; i < plan.nodes(); i++) {
      String ns = plan.namespace(i);
      c.add(List.of("ip", "netns", "add", ns));
      c.add(List.of("ip", "link", "add", plan.hostVeth(i), "type", "veth", "peer", "name", plan.peerVeth(i)));
      c.add(List.of("ip", "link", "set", plan.peerVeth(i), "netns", ns));
      c.add(List.of("ip", "-n", ns, "link", "set", plan.peerVeth(i), "name", NODE_IF));
      c.add(List.of("ip", "-n", ns, "addr", "add", plan.nodeAddress(i) + "/24", "dev", NODE_IF));
      c.add(List.of("ip", "-n", ns, "link", "set", NODE_IF, "up"));
      c.add(List.of("ip", "-n", ns, "link", "set", "lo", "up"));
      c.add(List.of("ip", "link", "set", plan.hostVeth(i), "master", plan.bridge()));
      c.add(List.of("ip", "link", "set", plan.hostVeth(i), "up"));
    }
    return c;
  }

  /**
   * Lets frames cross the run's bridge when {@code br_netfilter} sends bridged traffic through the
   * root namespace's iptables (Docker hosts set FORWARD to DROP): one rule, matching only this
   * bridge, removed by {@link #disallowBridgeForwarding}.
   */
  public static List<String> allowBridgeForwarding(NetnsPlan plan) {
    return List.of("iptables", "-w", "-I", "FORWARD", "-i", plan.bridge(), "-o", plan.bridge(), "-j", "ACCEPT");
  }

  /** Removes the rule of {@link #allowBridgeForwarding}. */
  public static List<String> disallowBridgeForwarding(NetnsPlan plan) {
    return List.of("iptables", "-w", "-D", "FORWARD", "-i", plan.bridge(), "-o", plan.bridge(), "-j", "ACCEPT");
  }

  /** Everything {@link #setup} created, in reverse; each may fail harmlessly if already gone. */
  public static List<List<String>> teardown(NetnsPlan plan) {
    List<List<String>> c = new ArrayList<>();
    for (int i = 0; i < plan.nodes(); i++) {
      c.add(List.of("ip", "link", "del", plan.hostVeth(i))); // deletes both ends of the pair
    }
    for (int i = 0; i < plan.nodes(); i++) {
      c.add(List.of("ip", "netns", "del", plan.namespace(i))); // also drops its iptables rules
    }
    c.add(List.of("ip", "link", "del", plan.bridge()));
    return c;
  }

  /** The prefix that runs a command inside node {@code index}'s namespace. */
  public static List<String> inNamespace(NetnsPlan plan, int index) {
    return List.of("ip", "netns", "exec", plan.namespace(index));
  }

  /**
   * The packet filter of node {@code index}'s namespace, as input for {@code iptables-restore}:
   * each cut link is dropped at its receiver ({@code -A INPUT -s <sender> -j DROP}), and with
   * {@code lossPercent > 0} a random share of what arrives from every peer is dropped too ({@code
   * -m statistic}, the loss-only slow network for kernels without netem). The harness's address
   * is never in a rule, so every API stays reachable. A symmetric partition lists both directions
   * of a link, a one-way partition one. With no links and no loss this is the healed filter.
   *
   * <p>Why a whole table per namespace rather than one {@code iptables -A} per rule: restoring
   * replaces the namespace's filter atomically (a node never sees half a partition), and it is one
   * process per node instead of one per rule, which matters on a loaded machine.
   */
  public static String filterTable(NetnsPlan plan, int index, Set<Link> cut, double lossPercent) {
    check(plan, index);
    StringBuilder t = new StringBuilder("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n");
    for (Link link : new TreeSet<>(cut)) {
      check(plan, link.from());
      check(plan, link.to());
      if (link.to() == index) {
        t.append("-A INPUT -s ").append(plan.nodeAddress(link.from())).append(" -j DROP\n");
      }
    }
    if (lossPercent > 0) {
      String probability = String.format(Locale.ROOT, "%.4f", lossPercent / 100.0);
      for (int from = 0; from < plan.nodes(); from++) {
        if (from != index) {
          t.append("-A INPUT -s ").append(plan.nodeAddress(from))
              .append(" -m statistic --mode random --probability ").append(probability).append(" -j DROP\n");
        }
      }
    }
    return t.append("COMMIT\n").toString();
  }

  /** Loads a {@link #filterTable} (given on stdin) into node {@code index}'s namespace. */
  public static List<String> restoreFilter(NetnsPlan plan, int index) {
    return in(plan, index, "iptables-restore", "-w");
  }

  /** Removes the traffic shaping of {@link #netemBatch} (fails harmlessly if there is none). */
  public static List<String> healShaping(NetnsPlan plan, int index) {
    return in(plan, index, "tc", "qdisc", "del", "dev", NODE_IF, "root");
  }

  /**
   * Delay, jitter and loss on node-to-node packets only, as input for {@code tc -batch}: an HTB
   * root with a default class for everything else (the harness, ARP) and a class with netem for
   * the run's /24, the harness's address filtered into the default class first. HTB and u32
   * rather than prio because they are in every kernel that has netem and in many that lack prio.
   */
  public static String netemBatch(NetnsPlan plan, NetworkShaping shaping) {
    StringBuilder netem = new StringBuilder("qdisc add dev " + NODE_IF + " parent 1:2 handle 20: netem delay "
        + shaping.delay().toMillis() + "ms");
    if (!shaping.jitter().isZero()) {
      netem.append(' ').append(shaping.jitter().toMillis()).append("ms");
    }
    if (shaping.lossPercent() > 0) {
      netem.append(" loss ").append(percent(shaping.lossPercent()));
    }
    return "qdisc add dev " + NODE_IF + " root handle 1: htb default 1 r2q 10000\n"
        + "class add dev " + NODE_IF + " parent 1: classid 1:1 htb rate 10gbit\n"
        + "class add dev " + NODE_IF + " parent 1: classid 1:2 htb rate 10gbit\n"
        + netem + "\n"
        + "filter add dev " + NODE_IF + " parent 1: protocol ip prio 1 u32 match ip dst " + plan.harnessAddress()
        + "/32 flowid 1:1\n"
        + "filter add dev " + NODE_IF + " parent 1: protocol ip prio 2 u32 match ip dst " + plan.subnet()
        + " flowid 1:2\n";
  }

  /** Runs a {@link #netemBatch} (given on stdin) in node {@code index}'s namespace. */
  public static List<String> tcBatch(NetnsPlan plan, int index) {
    return in(plan, index, "tc", "-batch", "-");
  }

  /** Tries netem on the loopback interface of node 0's namespace (nothing else sees it). */
  public static List<String> probeNetem(NetnsPlan plan) {
    return in(plan, 0, "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms");
  }

  /** Undoes {@link #probeNetem}. */
  public static List<String> unprobeNetem(NetnsPlan plan) {
    return in(plan, 0, "tc", "qdisc", "del", "dev", "lo", "root");
  }

  private static List<String> in(NetnsPlan plan, int index, String... command) {
    List<String> argv = new ArrayList<>(inNamespace(plan, index));
    argv.addAll(List.of(command));
    return List.copyOf(argv);
  }

  private static void check(NetnsPlan plan, int index) {
    if (index < 0 || index >= plan.nodes()) {
      throw new IllegalArgumentException("no node " + index + " in a cluster of " + plan.nodes());
    }
  }

  private static String percent(double p) {
    return (p == Math.rint(p) ? Long.toString((long) p) : String.format(Locale.ROOT, "%.2f", p)) + "%";
  }
}
