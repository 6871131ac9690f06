package io.splitguard.chaos.run;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One direction of traffic between two nodes, by index (0-based). A cut link means packets sent
 * by {@code from} never arrive at {@code to}; a symmetric partition cuts both directions.
 *
 * @param from the sending node's index
 * @param to the receiving node's index
 */
public record Link(int from, int to) implements Comparable<Link> {
  /** Checks that the link joins two different nodes. */
  public Link {
    if (from < 0 || to < 0 || from == to) {
      throw new IllegalArgumentException("a link joins two different nodes, got " + from + "->" + to);
    }
  }

  /** Both directions between every node of {@code a} and every node of {@code b}. */
  public static Set<Link> between(Collection<Integer> a, Collection<Integer> b) {
    Set<Link> links = new LinkedHashSet<>();
    for (int x : a) {
      for (int y : b) {
        if (x != y) {
          links.add(new Link(x, y));
          links.add(new Link(y, x));
        }
      }
    }
    return links;
  }

  /** Every link that crosses from one side to another (both directions): a full partition. */
  public static Set<Link> acrossSides(List<? extends Collection<Integer>> sides) {
    Set<Link> links = new LinkedHashSet<>();
    for (int i = 0; i < sides.size(); i++) {
      for (int j = i + 1; j < sides.size(); j++) {
        links.addAll(between(sides.get(i), sides.get(j)));
      }
    }
    return links;
  }

  /** Traffic from every node of {@code senders} to every node of {@code receivers}, one way. */
  public static Set<Link> oneWay(Collection<Integer> senders, Collection<Integer> receivers) {
    Set<Link> links = new LinkedHashSet<>();
    for (int x : senders) {
      for (int y : receivers) {
        if (x != y) {
          links.add(new Link(x, y));
        }
      }
    }
    return links;
  }

  @Override
  public int compareTo(Link o) {
    return from != o.from ? Integer.compare(from, o.from) : Integer.compare(to, o.to);
  }
}
