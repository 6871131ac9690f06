package io.splitguard.chaos.run;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The catalogue of nemeses and the planner that turns one into a seeded schedule.
 *
 * <table>
 *   <caption>Nemeses</caption>
 *   <tr><th>name</th><th>netns</th><th>loopback</th></tr>
 *   <tr><td>{@code partition-halves}</td><td>random minority | majority, both directions cut</td>
 *       <td>refused</td></tr>
 *   <tr><td>{@code isolate-leader}</td><td>the current leader cut off from all peers</td>
 *       <td>the leader paused (approximation)</td></tr>
 *   <tr><td>{@code bridge}</td><td>two halves cut from each other, one node sees both</td>
 *       <td>refused</td></tr>
 *   <tr><td>{@code majorities-ring}</td><td>each node sees a majority, no two the same one
 *       (3 nodes: one link cut, which is a bridge)</td><td>refused</td></tr>
 *   <tr><td>{@code one-way}</td><td>a minority stops receiving from (or being heard by) the rest,
 *       one direction only</td><td>refused</td></tr>
 *   <tr><td>{@code flapping}</td><td>a halves partition switched on and off rapidly</td>
 *       <td>refused</td></tr>
 *   <tr><td>{@code pause}</td><td colspan="2">a random minority SIGSTOPped, then SIGCONT</td></tr>
 *   <tr><td>{@code kill}</td><td colspan="2">a random minority SIGKILLed, then restarted on the
 *       same data directory</td></tr>
 *   <tr><td>{@code pause-leader}</td><td colspan="2">the current leader SIGSTOPped</td></tr>
 *   <tr><td>{@code slow-network}</td><td>node-to-node delay, jitter and loss (netem; loss only
 *       via iptables if the kernel lacks netem)</td><td>refused</td></tr>
 *   <tr><td>{@code mix}</td><td colspan="2">per window, a random one of the above that the mode
 *       supports</td></tr>
 *   <tr><td>{@code none}</td><td colspan="2">no faults (baseline)</td></tr>
 * </table>
 *
 * <p>Why loopback refuses partitions instead of approximating them by pausing: a paused minority
 * answers nothing, so the property a partition test is for (the minority stays alive and refuses
 * CP requests while the majority goes on) is never exercised, and a green run would claim more
 * than it tested. {@code isolate-leader} is the one exception the product asks for; its history
 * events still say {@code isolate-leader}, and the run result notes the approximation.
 */
public final class Nemeses {
  /** Every nemesis name, in the order help texts list them. */
  public static final List<String> NAMES = List.of(
      "partition-halves", "isolate-leader", "bridge", "majorities-ring", "one-way", "flapping",
      "pause", "kill", "pause-leader", "slow-network", "mix", "none");

  private Nemeses() {}

  /**
   * The nemesis called {@code name}, for a run in {@code mode} ({@code mix} chooses only among the
   * nemeses the mode supports).
   *
   * @throws IllegalArgumentException for an unknown name
   */
  public static Nemesis named(String name, LaunchMode mode) {
    return switch (name) {
      case "partition-halves" -> single(name,
          "a random minority cut off from the majority, both directions", Nemeses::halves);
      case "isolate-leader" -> new Nemesis.Single(name,
          "the current leader cut off from every peer (loopback: the leader paused)",
          Nemesis.anyMode(), (r, n) -> new Fault.IsolateLeader(r.nextInt(n)));
      case "bridge" -> single(name,
          "two halves cut from each other; one node sees both sides", Nemeses::bridge);
      case "majorities-ring" -> single(name,
          "every node sees a majority, but no two nodes see the same one", Nemeses::majoritiesRing);
      case "one-way" -> single(name,
          "a minority stops receiving from the rest, or stops being heard by it (one direction)",
          Nemeses::oneWay);
      case "flapping" -> new Nemesis.Flapping((r, n) -> relabel(halves(r, n), "flapping"));
      case "pause" -> new Nemesis.Single(name, "a random minority paused with SIGSTOP, resumed with SIGCONT",
          Nemesis.anyMode(), (r, n) -> new Fault.Pause("pause", minority(r, n)));
      case "kill" -> new Nemesis.Single(name,
          "a random minority killed with SIGKILL, restarted on the same data directory",
          Nemesis.anyMode(), (r, n) -> new Fault.Kill(minority(r, n)));
      case "pause-leader" -> new Nemesis.Single(name, "the current leader paused with SIGSTOP",
          Nemesis.anyMode(), (r, n) -> new Fault.PauseLeader(r.nextInt(n)));
      case "slow-network" -> single(name,
          "node-to-node delay 50-500 ms with 20% jitter and 0-10% loss", Nemeses::slow);
      case "mix" -> {
        List<Nemesis> choices = new ArrayList<>();
        for (String other : NAMES) {
          if (!other.equals("mix") && !other.equals("none")) {
            Nemesis n = named(other, mode);
            if (n.supports(mode)) {
              choices.add(n);
            }
          }
        }
        yield new Nemesis.Mix(choices);
      }
      case "none" -> new Nemesis.None();
      default -> throw new IllegalArgumentException(
          "unknown nemesis '" + name + "'; known: " + String.join(", ", NAMES));
    };
  }

  /** The names that {@code mode} can run. */
  public static List<String> supported(LaunchMode mode) {
    return NAMES.stream().filter(n -> named(n, mode).supports(mode)).toList();
  }

  /**
   * Checks that {@code name} can run in {@code mode}, with a message that says what to do instead.
   *
   * @throws IllegalArgumentException if it cannot
   */
  public static void requireSupported(String name, LaunchMode mode) {
    Nemesis nemesis = named(name, mode);
    if (!nemesis.supports(mode)) {
      throw new IllegalArgumentException("nemesis '" + name + "' needs --mode netns (root): on loopback a "
          + "network fault can only be approximated by pausing nodes, which tests something else. "
          + "On loopback use one of: " + String.join(", ", supported(mode)));
    }
  }

  /**
   * The schedule of {@code nemesis} for a run: quiet, fault, heal, repeat, ending healed with a
   * quiet tail (see {@link NemesisTiming}). Deterministic in (nemesis, seed, nodes, duration,
   * timing).
   */
  public static NemesisSchedule plan(Nemesis nemesis, long seed, int nodes, Duration duration,
      NemesisTiming timing) {
    SplittableRandom random = Seeds.random(seed, "nemesis");
    List<Step> steps = new ArrayList<>();
    long end = duration.toMillis() - timing.finalQuietFor(duration).toMillis();
    long quietMin = timing.quietMin().toMillis();
    long quietMax = timing.quietMax().toMillis();
    long faultMin = timing.faultMin().toMillis();
    long faultMax = timing.faultMax().toMillis();
    long t = Seeds.between(random, quietMin, quietMax);
    while (!(nemesis instanceof Nemesis.None) && t + faultMin <= end) {
      long length = Seeds.between(random, faultMin, Math.min(faultMax, end - t));
      nemesis.window(random, nodes, t, length, timing, steps);
      t += length + Seeds.between(random, quietMin, quietMax);
    }
    return new NemesisSchedule(nemesis.name(), seed, nodes, duration, steps);
  }

  // ---- fault pickers: pure functions of the random stream ------------------------------------

  private static Nemesis single(String name, String description, Nemesis.FaultPicker picker) {
    return new Nemesis.Single(name, description + " (netns only)", Set.of(LaunchMode.NETNS), picker);
  }

  /** Node indexes in a seeded random order. */
  static List<Integer> shuffled(SplittableRandom random, int nodes) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      order.add(i);
    }
    for (int i = nodes - 1; i > 0; i--) { // Fisher-Yates with our stream (Collections.shuffle wants a Random)
      Collections.swap(order, i, random.nextInt(i + 1));
    }
    return order;
  }

  /** A random non-empty minority: 1 to (n-1)/2 nodes. */
  static Set<Integer> minority(SplittableRandom random, int nodes) {
    int size = (int) Seeds.between(random, 1, Math.max(1, (nodes - 1) / 2));
    return new TreeSet<>(shuffled(random, nodes).subList(0, size));
  }

  static Fault.Cut halves(SplittableRandom random, int nodes) {
    List<Integer> order = shuffled(random, nodes);
    Set<Integer> small = new TreeSet<>(order.subList(0, nodes / 2));
    Set<Integer> large = new TreeSet<>(order.subList(nodes / 2, nodes));
    List<Set<Integer>> sides = List.of(small, large);
    return new Fault.Cut("partition-halves", Fault.sides(sides), Link.acrossSides(sides));
  }

  static Fault.Cut bridge(SplittableRandom random, int nodes) {
    List<Integer> order = shuffled(random, nodes);
    int bridge = order.get(0);
    int half = 1 + (nodes - 1) / 2;
    Set<Integer> left = new TreeSet<>(order.subList(1, half));
    Set<Integer> right = new TreeSet<>(order.subList(half, nodes));
    return new Fault.Cut("bridge", Fault.sides(List.of(left, right)) + " via " + Fault.id(bridge),
        Link.between(left, right));
  }

  /**
   * A ring in seeded order in which each node keeps the links to its neighbours within distance
   * d = ceil((majority - 1) / 2), so it sees 2d + 1 >= majority nodes, and no two nodes see the
   * same set. With 3 nodes every node is within distance 1 of both others, so the only symmetric
   * way to give each a different majority is to cut one link (its ends then see different
   * majorities through the third node).
   */
  static Fault.Cut majoritiesRing(SplittableRandom random, int nodes) {
    List<Integer> ring = shuffled(random, nodes);
    String order = ring.stream().map(Fault::id).collect(Collectors.joining("-"));
    int majority = nodes / 2 + 1;
    int reach = majority / 2; // = ceil((majority - 1) / 2)
    Set<Link> cut = new LinkedHashSet<>();
    if (2 * reach + 1 >= nodes) {
      cut.addAll(Link.between(Set.of(ring.get(0)), Set.of(ring.get(1))));
      return new Fault.Cut("majorities-ring", order + " cut " + Fault.id(ring.get(0)) + "-" + Fault.id(ring.get(1)), cut);
    }
    for (int i = 0; i < nodes; i++) {
      for (int j = i + 1; j < nodes; j++) {
        int distance = Math.min(j - i, nodes - (j - i));
        if (distance > reach) {
          cut.addAll(Link.between(Set.of(ring.get(i)), Set.of(ring.get(j))));
        }
      }
    }
    return new Fault.Cut("majorities-ring", order, cut);
  }

  /**
   * A minority and the rest; one direction of traffic between them is dropped. Only the UDP
   * heartbeats are truly one-way (TCP needs both directions), which is the asymmetry the failure
   * detector must handle: one side sees the other, the other does not.
   */
  static Fault.Cut oneWay(SplittableRandom random, int nodes) {
    List<Integer> order = shuffled(random, nodes);
    int size = (int) Seeds.between(random, 1, Math.max(1, (nodes - 1) / 2));
    Set<Integer> few = new TreeSet<>(order.subList(0, size));
    Set<Integer> rest = new TreeSet<>(order.subList(size, nodes));
    boolean fewAreDeaf = random.nextBoolean();
    Set<Integer> senders = fewAreDeaf ? rest : few;
    Set<Integer> receivers = fewAreDeaf ? few : rest;
    return new Fault.Cut("one-way", Fault.ids(senders) + "->" + Fault.ids(receivers),
        Link.oneWay(senders, receivers));
  }

  static Fault.Slow slow(SplittableRandom random, int nodes) {
    long delay = 10 * Seeds.between(random, 5, 50);
    long loss = Seeds.between(random, 0, 10);
    return new Fault.Slow(new NetworkShaping(Duration.ofMillis(delay), Duration.ofMillis(delay / 5), loss));
  }

  private static Fault.Cut relabel(Fault.Cut cut, String nemesis) {
    return new Fault.Cut(nemesis, cut.topology(), cut.links());
  }
}
