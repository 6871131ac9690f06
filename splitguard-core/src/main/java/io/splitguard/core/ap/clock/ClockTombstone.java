package io.splitguard.core.ap.clock;

import io.splitguard.core.ap.Digests;
import io.splitguard.core.cluster.NodeId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What remains of vector-clock entries removed by {@link VectorClockGc}: which nodes, when, and a
 * SHA-256 digest of the removed {@code (node, counter)} pairs. The counters themselves are gone,
 * but data re-imported later (a backup, a node that was offline for months) can be checked
 * against the digest: if its clock's entries for these nodes hash to the same value, it carries
 * nothing the cluster has not already seen and collected.
 *
 * @param nodes the nodes whose entries were removed, sorted
 * @param sha256 hex SHA-256 over the removed entries in node order (see {@link #digest})
 * @param collectedAtMs when they were removed
 */
public record ClockTombstone(List<NodeId> nodes, String sha256, long collectedAtMs) {
  /** Validates and copies the fields. */
  public ClockTombstone {
    nodes = List.copyOf(new TreeSet<>(nodes));
    Objects.requireNonNull(sha256, "sha256");
    if (!sha256.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("not a hex SHA-256: " + sha256);
    }
  }

  /**
   * The digest of {@code entries}: SHA-256 over, for each entry in node order, the node id's UTF-8
   * bytes, a 0 byte, and the counter as 8 big-endian bytes.
   */
  public static String digest(SortedMap<NodeId, Long> entries) {
    MessageDigest sha = Digests.sha256();
    for (Map.Entry<NodeId, Long> e : entries.entrySet()) {
      sha.update(e.getKey().value().getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      long c = e.getValue();
      for (int shift = 56; shift >= 0; shift -= 8) {
        sha.update((byte) (c >>> shift));
      }
    }
    return Digests.hex(sha.digest());
  }

  /**
   * Whether {@code reimported} carries exactly the collected entries for {@link #nodes} (absent
   * entries count as absent, not as 0, as at collection time).
   */
  public boolean verifies(VectorClock reimported) {
    TreeMap<NodeId, Long> removed = new TreeMap<>();
    for (NodeId n : nodes) {
      long c = reimported.get(n);
      if (c > 0) {
        removed.put(n, c);
      }
    }
    return digest(Collections.unmodifiableSortedMap(removed)).equals(sha256);
  }
}
