package io.splitguard.core.cluster;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The identity of a node, as written in the cluster file (for example {@code n1}).
 *
 * <p>Restricted to a small alphabet because it travels in Raft peer ids, file names, metric tags
 * and HTTP headers.
 */
public record NodeId(String value) implements Comparable<NodeId> {
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

  /** Validates the id. */
  public NodeId {
    Objects.requireNonNull(value, "node id");
    if (!VALID.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "invalid node id '" + value + "': use 1-63 letters, digits, '_', '.' or '-', "
              + "starting with a letter or digit");
    }
  }

  /** Shorthand for {@code new NodeId(value)}. */
  public static NodeId of(String value) {
    return new NodeId(value);
  }

  @Override
  public int compareTo(NodeId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
