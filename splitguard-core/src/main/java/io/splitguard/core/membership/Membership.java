package io.splitguard.core.membership;

import io.splitguard.core.cluster.NodeId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The consensus configuration: every member and its role.
 *
 * @param roles members in a stable order, each with its role
 */
public record Membership(Map<NodeId, MemberRole> roles) {
  /** Copies the map, keeping its order. */
  public Membership {
    roles = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(roles));
  }

  /** The voting members. */
  public Set<NodeId> voters() {
    return roles.entrySet().stream().filter(e -> e.getValue() == MemberRole.VOTER)
        .map(Map.Entry::getKey).collect(Collectors.toCollection(java.util.LinkedHashSet::new));
  }

  /** The non-voting members. */
  public Set<NodeId> listeners() {
    return roles.entrySet().stream().filter(e -> e.getValue() == MemberRole.LISTENER)
        .map(Map.Entry::getKey).collect(Collectors.toCollection(java.util.LinkedHashSet::new));
  }

  /** How many voters make a majority of this configuration. */
  public int majority() {
    return voters().size() / 2 + 1;
  }
}
