package io.splitguard.chaos.run;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * One fault a nemesis injects at the start of a window and heals at its end. Faults are data: the
 * schedule is a list of them, generated from the seed, and the {@link NemesisRunner} applies them
 * to a {@link ClusterLauncher}. Leader-aware faults name the leader only when they are applied
 * (who leads depends on the run), so they carry a seeded fallback node for when no leader is known.
 */
public sealed interface Fault {

  /** The name of the nemesis that produced this fault (also for faults chosen by {@code mix}). */
  String nemesis();

  /** Whether the fault needs packet filtering (namespaces), not only signals. */
  boolean needsNetwork();

  /** How the fault appears in logs and in the history's nemesis events, before it is resolved. */
  String describe();

  /** Node id of index {@code i}: nodes are always named n1..nN. */
  static String id(int index) {
    return "n" + (index + 1);
  }

  /** A comma-separated list of node ids, e.g. {@code n1,n3}. */
  static String ids(Set<Integer> nodes) {
    return new TreeSet<>(nodes).stream().map(Fault::id).collect(Collectors.joining(","));
  }

  /**
   * Drops the given directed links between nodes (a partition in the general sense: halves,
   * bridge, ring, one-way). The harness's own traffic to every node is never cut.
   *
   * @param nemesis the nemesis name
   * @param topology a human description of the sides, e.g. {@code n1|n2,n3}
   * @param links the directions of traffic that are dropped
   */
  record Cut(String nemesis, String topology, Set<Link> links) implements Fault {
    /** Checks the fields and freezes the link set in a stable order. */
    public Cut {
      Objects.requireNonNull(nemesis, "nemesis");
      Objects.requireNonNull(topology, "topology");
      links = Set.copyOf(new TreeSet<>(links));
      if (links.isEmpty()) {
        throw new IllegalArgumentException("a cut needs at least one link");
      }
    }

    /** The links in a stable order (from, then to). */
    public SortedSet<Link> sortedLinks() {
      return new TreeSet<>(links);
    }

    @Override
    public boolean needsNetwork() {
      return true;
    }

    @Override
    public String describe() {
      return nemesis + " " + topology;
    }
  }

  /**
   * Cuts the current leader off from every other node. In loopback mode it is approximated by
   * pausing the leader (the closest a signal gets to isolation; it also stops the leader's own
   * clock, which a real partition does not).
   *
   * @param fallback the node isolated when no leader can be found
   */
  record IsolateLeader(int fallback) implements Fault {
    @Override
    public String nemesis() {
      return "isolate-leader";
    }

    @Override
    public boolean needsNetwork() {
      return false; // approximated by pausing when no network control exists
    }

    @Override
    public String describe() {
      return "isolate-leader (leader)";
    }
  }

  /**
   * Pauses processes with SIGSTOP; healed with SIGCONT.
   *
   * @param nemesis the nemesis name
   * @param nodes the node indexes paused
   */
  record Pause(String nemesis, Set<Integer> nodes) implements Fault {
    /** Freezes the node set. */
    public Pause {
      Objects.requireNonNull(nemesis, "nemesis");
      nodes = Set.copyOf(nodes);
    }

    @Override
    public boolean needsNetwork() {
      return false;
    }

    @Override
    public String describe() {
      return nemesis + " " + ids(nodes);
    }
  }

  /**
   * Pauses the current leader with SIGSTOP; healed with SIGCONT.
   *
   * @param fallback the node paused when no leader can be found
   */
  record PauseLeader(int fallback) implements Fault {
    @Override
    public String nemesis() {
      return "pause-leader";
    }

    @Override
    public boolean needsNetwork() {
      return false;
    }

    @Override
    public String describe() {
      return "pause-leader (leader)";
    }
  }

  /**
   * Kills processes with SIGKILL (no shutdown hook, no flush); healed by restarting them on the
   * same data directory.
   *
   * @param nodes the node indexes killed
   */
  record Kill(Set<Integer> nodes) implements Fault {
    /** Freezes the node set. */
    public Kill {
      nodes = Set.copyOf(nodes);
    }

    @Override
    public String nemesis() {
      return "kill";
    }

    @Override
    public boolean needsNetwork() {
      return false;
    }

    @Override
    public String describe() {
      return "kill " + ids(nodes);
    }
  }

  /**
   * Slows and drops node-to-node packets on every node.
   *
   * @param shaping delay, jitter and loss
   */
  record Slow(NetworkShaping shaping) implements Fault {
    /** Checks the shaping is present. */
    public Slow {
      Objects.requireNonNull(shaping, "shaping");
    }

    @Override
    public String nemesis() {
      return "slow-network";
    }

    @Override
    public boolean needsNetwork() {
      return true;
    }

    @Override
    public String describe() {
      return "slow-network " + shaping.describe();
    }
  }

  /** The sides of a partition as {@code n1|n2,n3}. */
  static String sides(List<? extends Set<Integer>> sides) {
    return sides.stream().map(Fault::ids).collect(Collectors.joining("|"));
  }
}
