package io.splitguard.core.membership;

import io.splitguard.core.cluster.ClusterMember;
import io.splitguard.core.cluster.HostPort;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.keyspace.KeyspaceKeys;
import java.util.Optional;

/**
 * Where the addresses of members added at run time are kept: one entry per member in the
 * registry's key-value store, so every node (and every node restarted later) learns them from the
 * replicated log, the same way it learns the Raft configuration that names the member.
 *
 * <p>The entries live under the stored-key prefix of a keyspace called {@value #KEYSPACE}, which no
 * client can declare ({@code $} is not allowed in keyspace names) or address through the
 * {@code default} keyspace (its keys cannot start with the reserved prefix): they are invisible to
 * the key-value API. The value is {@code "<raft host:port> <api host:port>"}.
 */
public final class MemberAddresses {
  /** The internal keyspace name; not a valid user keyspace name. */
  public static final String KEYSPACE = "$members";

  private MemberAddresses() {}

  /** The stored key of {@code member}'s addresses. */
  public static String key(NodeId member) {
    return KeyspaceKeys.stored(KEYSPACE, member.value());
  }

  /** The stored value for {@code member}. */
  public static String encode(ClusterMember member) {
    return member.raft() + " " + member.api();
  }

  /** The member stored as {@code value} under {@code id}'s key; empty if the value is malformed. */
  public static Optional<ClusterMember> decode(NodeId id, String value) {
    String[] parts = value.trim().split(" ");
    if (parts.length != 2) {
      return Optional.empty();
    }
    try {
      return Optional.of(new ClusterMember(id, HostPort.parse(parts[0]), HostPort.parse(parts[1])));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
