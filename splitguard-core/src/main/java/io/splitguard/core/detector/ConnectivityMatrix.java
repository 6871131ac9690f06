package io.splitguard.core.detector;

import io.splitguard.core.cluster.NodeId;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who reaches whom, as far as one node can tell: its own view merged with the views its peers
 * reported in their heartbeats.
 *
 * <p>"A reaches B" means A hears B: B's heartbeats arrive at A and B's phi at A is below the
 * threshold. It is directional on purpose, because real partitions are not always symmetric (a
 * firewall rule in one direction, a congested uplink).
 *
 * <p>The matrix answers the question a bare failure detector cannot: is an unreachable peer
 * <em>down</em>, or is only <em>my link</em> to it broken? A peer this node does not hear, but
 * that some peer this node does hear reports hearing, is {@linkplain #indirectlyReachable()
 * indirectly reachable}: it is alive and connected to part of the cluster. A peer nobody reports
 * is {@linkplain #unreachable() unreachable}: crashed, or cut off from everyone this node hears.
 *
 * <p>Only views of peers this node reaches directly are merged: a view from a peer we no longer
 * hear is stale by definition, and mixing it in would describe a network that no longer exists.
 * So relays are one hop deep; that is all a node can know from heartbeats alone.
 *
 * <p>Immutable; built by the pure function {@link #of}. Sets and lists it returns are in
 * {@link NodeId} order, so results are deterministic.
 */
public final class ConnectivityMatrix {
  private final NodeId self;
  private final List<NodeId> members;
  private final Map<NodeId, Integer> index;
  /** Row i: whom member i reaches; null when this node has no (fresh) view of member i. */
  private final BitSet[] rows;

  private ConnectivityMatrix(NodeId self, List<NodeId> members, BitSet[] rows) {
    this.self = self;
    this.members = members;
    this.rows = rows;
    Map<NodeId, Integer> idx = new HashMap<>();
    for (int i = 0; i < members.size(); i++) {
      idx.put(members.get(i), i);
    }
    this.index = idx;
  }

  /**
   * Merges this node's view with its peers' reported views.
   *
   * @param self this node
   * @param members every member, this node included
   * @param ownReachable the peers this node reaches now ({@link
   *     PartitionDetector#reachablePeers(long)}); {@code self} and non-members are ignored
   * @param reportedViews for each peer, the set of nodes it said it reaches in its latest
   *     heartbeat; entries of peers outside {@code ownReachable} are ignored as stale, and
   *     non-members inside a view are ignored
   * @throws IllegalArgumentException if {@code self} is not a member
   */
  public static ConnectivityMatrix of(
      NodeId self, Collection<NodeId> members, Set<NodeId> ownReachable,
      Map<NodeId, Set<NodeId>> reportedViews) {
    Objects.requireNonNull(self, "self");
    Objects.requireNonNull(ownReachable, "ownReachable");
    Objects.requireNonNull(reportedViews, "reportedViews");
    List<NodeId> sorted = List.copyOf(new TreeSet<>(members));
    if (!sorted.contains(self)) {
      throw new IllegalArgumentException("self " + self + " is not among the members " + sorted);
    }
    Map<NodeId, Integer> idx = new HashMap<>();
    for (int i = 0; i < sorted.size(); i++) {
      idx.put(sorted.get(i), i);
    }
    BitSet[] rows = new BitSet[sorted.size()];
    int me = idx.get(self);
    rows[me] = toRow(self, ownReachable, idx);
    for (Map.Entry<NodeId, Set<NodeId>> e : reportedViews.entrySet()) {
      Integer reporter = idx.get(e.getKey());
      if (reporter == null || reporter == me || !rows[me].get(reporter)) {
        continue; // not a member, ourselves, or a peer we do not hear: stale
      }
      rows[reporter] = toRow(e.getKey(), e.getValue(), idx);
    }
    return new ConnectivityMatrix(self, sorted, rows);
  }

  private static BitSet toRow(NodeId owner, Set<NodeId> reached, Map<NodeId, Integer> idx) {
    BitSet row = new BitSet(idx.size());
    for (NodeId id : reached) {
      Integer i = idx.get(id);
      if (i != null && !id.equals(owner)) {
        row.set(i);
      }
    }
    return row;
  }

  /** The node whose knowledge this is. */
  public NodeId self() {
    return self;
  }

  /** Every member, this node included, in order. */
  public List<NodeId> members() {
    return members;
  }

  /** Whether this node knows {@code node}'s view: itself, or a peer it hears that reported one. */
  public boolean hasViewOf(NodeId node) {
    Integer i = index.get(node);
    return i != null && rows[i] != null;
  }

  /**
   * Whether {@code from} reaches {@code to} according to the views this node knows; false when
   * {@code from}'s view is unknown (see {@link #hasViewOf}).
   */
  public boolean reaches(NodeId from, NodeId to) {
    Integer f = index.get(from);
    Integer t = index.get(to);
    return f != null && t != null && rows[f] != null && rows[f].get(t);
  }

  /** The peers this node reaches itself. */
  public Set<NodeId> directlyReachable() {
    return toSet(rows[index.get(self)]);
  }

  /**
   * The peers this node does not reach but some peer it reaches does, each with those relays:
   * alive, with only some links broken.
   */
  public Map<NodeId, Set<NodeId>> indirectlyReachable() {
    BitSet mine = rows[index.get(self)];
    Map<NodeId, Set<NodeId>> result = new LinkedHashMap<>();
    for (int target = 0; target < members.size(); target++) {
      if (members.get(target).equals(self) || mine.get(target)) {
        continue;
      }
      Set<NodeId> relays = new LinkedHashSet<>();
      for (int relay = mine.nextSetBit(0); relay >= 0; relay = mine.nextSetBit(relay + 1)) {
        if (rows[relay] != null && rows[relay].get(target)) {
          relays.add(members.get(relay));
        }
      }
      if (!relays.isEmpty()) {
        result.put(members.get(target), Collections.unmodifiableSet(relays));
      }
    }
    return Collections.unmodifiableMap(result);
  }

  /** The peers neither this node nor any peer it reaches can reach: crashed or cut off. */
  public Set<NodeId> unreachable() {
    BitSet mine = rows[index.get(self)];
    Map<NodeId, Set<NodeId>> indirect = indirectlyReachable();
    Set<NodeId> result = new LinkedHashSet<>();
    for (int i = 0; i < members.size(); i++) {
      NodeId id = members.get(i);
      if (!id.equals(self) && !mine.get(i) && !indirect.containsKey(id)) {
        result.add(id);
      }
    }
    return Collections.unmodifiableSet(result);
  }

  /**
   * Links that work in one direction only, among the members whose views this node knows: {@code
   * from} reaches {@code to} but {@code to} does not reach {@code from}.
   */
  public List<Link> asymmetricLinks() {
    List<Link> links = new ArrayList<>();
    for (int f = 0; f < members.size(); f++) {
      if (rows[f] == null) {
        continue;
      }
      for (int t = rows[f].nextSetBit(0); t >= 0; t = rows[f].nextSetBit(t + 1)) {
        if (rows[t] != null && !rows[t].get(f)) {
          links.add(new Link(members.get(f), members.get(t)));
        }
      }
    }
    return List.copyOf(links);
  }

  private Set<NodeId> toSet(BitSet row) {
    Set<NodeId> set = new LinkedHashSet<>();
    for (int i = row.nextSetBit(0); i >= 0; i = row.nextSetBit(i + 1)) {
      set.add(members.get(i));
    }
    return Collections.unmodifiableSet(set);
  }

  @Override
  public String toString() {
    return "ConnectivityMatrix[self=" + self + ", direct=" + directlyReachable()
        + ", indirect=" + indirectlyReachable() + ", unreachable=" + unreachable()
        + ", asymmetric=" + asymmetricLinks() + "]";
  }

  /**
   * A directed link: {@code from} reaches {@code to}.
   *
   * @param from the node that hears
   * @param to the node it hears
   */
  public record Link(NodeId from, NodeId to) {
    /** Validates the fields. */
    public Link {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
    }
  }
}
