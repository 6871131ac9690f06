package io.splitguard.chaos.run;

import java.util.Locale;

/** How the harness runs the nodes and injects network faults. */
public enum LaunchMode {
  /**
   * Nodes on 127.0.0.1, no privileges needed. Faults are limited to what signals can do: pause
   * (SIGSTOP/SIGCONT), kill (SIGKILL) and restart. Network partitions cannot be made on loopback
   * without touching the host's own traffic, so partition nemeses are refused, except {@code
   * isolate-leader}, which is approximated by pausing the leader.
   */
  LOOPBACK,
  /**
   * One network namespace per node on a bridge the harness creates (root only). Partitions drop
   * node-to-node packets with iptables inside the node namespaces; the harness keeps reaching every
   * API; {@code tc netem} slows the links when the kernel has it.
   */
  NETNS;

  /** The mode's name as the command line spells it ({@code loopback}, {@code netns}). */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code loopback} or {@code netns} (any case). */
  public static LaunchMode parse(String text) {
    for (LaunchMode m : values()) {
      if (m.name().equalsIgnoreCase(text.trim())) {
        return m;
      }
    }
    throw new IllegalArgumentException("mode must be 'loopback' or 'netns', got '" + text + "'");
  }
}
