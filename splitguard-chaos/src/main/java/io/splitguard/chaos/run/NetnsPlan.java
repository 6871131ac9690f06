package io.splitguard.chaos.run;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names and addresses of one netns run: a bridge {@code sg-<runid>-br} in the root namespace
 * with address {@code 10.213.X.254/24}, and per node a namespace {@code sg-<runid>-nK} joined to
 * the bridge by a veth pair ({@code sg-<runid>-vK} outside, {@code eth0} inside) with address
 * {@code 10.213.X.K}. The run id is {@code <pid in base 36>-<one character>}, so a later run can
 * tell whether the harness that created a leftover is still alive.
 *
 * @param runId the run id, e.g. {@code 2ngdb-0}
 * @param octet the third octet X of the run's private /24
 * @param nodes the number of nodes (1-9)
 * @param apiPort the API (and heartbeat) port of every node; each namespace has its own ports
 * @param raftPort the Raft port of every node
 */
public record NetnsPlan(String runId, int octet, int nodes, int apiPort, int raftPort) {
  /** Every name the harness creates starts with this. */
  public static final String PREFIX = "sg-";
  /** The /16 the run's /24 is taken from. */
  public static final String NETWORK = "10.213.";

  private static final Pattern RUN_ID = Pattern.compile("([0-9a-z]{1,6})-([0-9a-z])");
  private static final Pattern ADDRESS = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})(?:/(\\d{1,2}))?");

  /** Checks names fit Linux's 15-character interface names and addresses fit the /24. */
  public NetnsPlan {
    if (!RUN_ID.matcher(runId).matches()) {
      throw new IllegalArgumentException("run id must look like <base36 pid>-<char>, got " + runId);
    }
    if (octet < 0 || octet > 255) {
      throw new IllegalArgumentException("octet must be 0-255, got " + octet);
    }
    if (nodes < 1 || nodes > 9) {
      throw new IllegalArgumentException("netns mode supports 1-9 nodes, got " + nodes);
    }
    if ((PREFIX + runId + "-br").length() > 15) {
      throw new IllegalArgumentException("run id too long for interface names: " + runId);
    }
  }

  /** The run id for harness process {@code pid}, the first whose names are not in {@code taken}. */
  public static String chooseRunId(long pid, Collection<String> taken) {
    String base = Long.toString(pid, 36).toLowerCase(Locale.ROOT);
    if (base.length() > 6) {
      base = base.substring(base.length() - 6);
    }
    String alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
    for (char c : alphabet.toCharArray()) {
      String candidate = base + "-" + c;
      if (taken.stream().noneMatch(n -> n.startsWith(PREFIX + candidate + "-"))) {
        return candidate;
      }
    }
    throw new IllegalStateException("36 netns runs of pid " + pid + " exist; run cleanupStale");
  }

  /**
   * The first third octet, starting at {@code preferred}, whose 10.213.X.0/24 overlaps no prefix
   * or address in {@code ipOutput} (the output of {@code ip -4 -o addr} and {@code ip -4 route}):
   * the run's addresses must not shadow anything the machine already routes.
   */
  public static int chooseOctet(String ipOutput, int preferred) {
    List<long[]> used = new ArrayList<>();
    Matcher m = ADDRESS.matcher(ipOutput);
    while (m.find()) {
      long address = 0;
      for (int g = 1; g <= 4; g++) {
        address = (address << 8) | Integer.parseInt(m.group(g));
      }
      int length = m.group(5) == null ? 32 : Integer.parseInt(m.group(5));
      used.add(new long[] {address, length});
    }
    for (int k = 0; k < 256; k++) {
      int octet = Math.floorMod(preferred + k, 256);
      long subnet = (10L << 24) | (213L << 16) | ((long) octet << 8);
      boolean clash = false;
      for (long[] u : used) {
        int common = (int) Math.min(u[1], 24);
        long mask = common == 0 ? 0 : (0xffffffffL << (32 - common)) & 0xffffffffL;
        if ((u[0] & mask) == (subnet & mask)) {
          clash = true;
          break;
        }
      }
      if (!clash) {
        return octet;
      }
    }
    throw new IllegalStateException("no free 10.213.X.0/24 on this machine");
  }

  /** The pid encoded in a name this harness created, if the name is one of ours. */
  public static Optional<Long> ownerPid(String name, String prefix) {
    if (!name.startsWith(prefix)) {
      return Optional.empty();
    }
    Matcher m = Pattern.compile("([0-9a-z]{1,6})-[0-9a-z]-(?:n\\d|br|v\\d|p\\d)").matcher(name.substring(prefix.length()));
    return m.matches() ? Optional.of(Long.parseLong(m.group(1), 36)) : Optional.empty();
  }

  /** The namespace of node {@code index}. */
  public String namespace(int index) {
    return PREFIX + runId + "-n" + (index + 1);
  }

  /** The bridge in the root namespace. */
  public String bridge() {
    return PREFIX + runId + "-br";
  }

  /** The root-namespace end of node {@code index}'s veth pair. */
  public String hostVeth(int index) {
    return PREFIX + runId + "-v" + (index + 1);
  }

  /** The other end before it is moved into the namespace and renamed {@code eth0}. */
  public String peerVeth(int index) {
    return PREFIX + runId + "-p" + (index + 1);
  }

  /** Node {@code index}'s address. */
  public String nodeAddress(int index) {
    return NETWORK + octet + "." + (index + 1);
  }

  /** The harness's address on the bridge. */
  public String harnessAddress() {
    return NETWORK + octet + ".254";
  }

  /** The run's /24. */
  public String subnet() {
    return NETWORK + octet + ".0/24";
  }
}
