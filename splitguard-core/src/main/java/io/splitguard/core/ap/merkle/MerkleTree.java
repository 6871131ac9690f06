package io.splitguard.core.ap.merkle;

import io.splitguard.core.ap.Digests;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A Merkle tree over a fixed number of key ranges of one keyspace replica.
 *
 * <p>A key belongs to range {@code r} when the top bits of SHA-256(key) equal {@code r}. Ranges by
 * hash prefix rather than by key order spread any naming scheme evenly, so that "100 000 divergent
 * keys" become many small ranges rather than one huge one, and both replicas agree on the ranges
 * without exchanging split points. Each leaf is the SHA-256 of its range's {@code (key,
 * version digest)} pairs in key order; a range with no keys has the all-zero digest. Inner nodes
 * hash their two children. Everything is deterministic: equal contents give equal trees on every
 * node and JVM.
 *
 * <p>Immutable. The number of ranges is a power of two between 1 and 2^16, and both sides of a
 * comparison must use the same one (it is part of the keyspace's configuration).
 */
public final class MerkleTree {
  /** Largest number of ranges; 2^16 leaves of 32 bytes is 2 MiB per tree. */
  public static final int MAX_RANGES = 1 << 16;

  private static final byte[] EMPTY = new byte[Digests.SHA256_BYTES];

  private final int rangeCount;
  /** Heap order: node 1 is the root, node i has children 2i and 2i+1, leaves at rangeCount + r. */
  private final byte[][] nodes;

  private MerkleTree(int rangeCount, byte[][] leaves) {
    this.rangeCount = rangeCount;
    this.nodes = new byte[2 * rangeCount][];
    for (int r = 0; r < rangeCount; r++) {
      nodes[rangeCount + r] = leaves[r].clone();
    }
    for (int i = rangeCount - 1; i >= 1; i--) {
      MessageDigest sha = Digests.sha256();
      sha.update(nodes[2 * i]);
      sha.update(nodes[2 * i + 1]);
      nodes[i] = sha.digest();
    }
  }

  /**
   * The tree of {@code versionDigests} (key to a digest of the key's stored value and clock) split
   * into {@code rangeCount} ranges.
   */
  public static MerkleTree build(int rangeCount, Map<String, byte[]> versionDigests) {
    requireRangeCount(rangeCount);
    List<SortedMap<String, byte[]>> ranges = partition(rangeCount, versionDigests);
    byte[][] leaves = new byte[rangeCount][];
    for (int r = 0; r < rangeCount; r++) {
      leaves[r] = leafDigest(ranges.get(r));
    }
    return new MerkleTree(rangeCount, leaves);
  }

  /**
   * A tree from its leaf digests (as decoded from the wire); inner nodes are recomputed, so a peer
   * cannot send an inconsistent tree.
   */
  public static MerkleTree ofLeaves(List<byte[]> leaves) {
    requireRangeCount(leaves.size());
    byte[][] array = new byte[leaves.size()][];
    for (int r = 0; r < array.length; r++) {
      byte[] leaf = leaves.get(r);
      if (leaf.length != Digests.SHA256_BYTES) {
        throw new IllegalArgumentException("leaf " + r + " is " + leaf.length + " bytes, not 32");
      }
      array[r] = leaf;
    }
    return new MerkleTree(array.length, array);
  }

  /** The range {@code key} belongs to, among {@code rangeCount}. */
  public static int rangeOf(String key, int rangeCount) {
    return rangeOfHash(keyHash(key), rangeCount);
  }

  /**
   * The top 64 bits of SHA-256(key): what {@link #rangeOf} splits by. Callers that place the same
   * key into ranges often keep it, and use {@link #rangeOfHash}.
   */
  public static long keyHash(String key) {
    return first8Bytes(Digests.sha256(key.getBytes(StandardCharsets.UTF_8)));
  }

  /** The range of a key whose {@link #keyHash} is {@code keyHash}, among {@code rangeCount}. */
  public static int rangeOfHash(long keyHash, int rangeCount) {
    requireRangeCount(rangeCount);
    int bits = Integer.numberOfTrailingZeros(rangeCount);
    return bits == 0 ? 0 : (int) (keyHash >>> (64 - bits));
  }

  /**
   * An 8-byte summary of one key's version: the first 8 bytes of SHA-256 over the key (UTF-8, length
   * prefixed) and its version digest. Two replicas hold the same version of a key when their
   * summaries are equal (barring a 2^-64 collision, which anti-entropy covers by falling back to the
   * whole range when a range differs but its summaries do not). Used to find the differing keys
   * inside a differing range without sending keys or values.
   */
  public static long keySummary(String key, byte[] versionDigest) {
    MessageDigest sha = Digests.sha256();
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    updateInt(sha, k.length);
    sha.update(k);
    sha.update(versionDigest);
    return first8Bytes(sha.digest());
  }

  private static long first8Bytes(byte[] h) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (h[i] & 0xff);
    }
    return v;
  }

  /**
   * The tree of keys already split into ranges ({@code ranges.get(r)}: range r's keys and version
   * digests); the caller vouches that each key is in its {@link #rangeOf} range. Lets a store that
   * keeps each key's hash skip rehashing every key.
   */
  public static MerkleTree ofRanges(List<? extends SortedMap<String, byte[]>> ranges) {
    requireRangeCount(ranges.size());
    byte[][] leaves = new byte[ranges.size()][];
    for (int r = 0; r < leaves.length; r++) {
      leaves[r] = leafDigest(ranges.get(r));
    }
    return new MerkleTree(leaves.length, leaves);
  }

  /** {@code versionDigests} split into {@code rangeCount} key-ordered maps, one per range. */
  public static List<SortedMap<String, byte[]>> partition(int rangeCount, Map<String, byte[]> versionDigests) {
    requireRangeCount(rangeCount);
    List<SortedMap<String, byte[]>> ranges = new ArrayList<>(rangeCount);
    for (int r = 0; r < rangeCount; r++) {
      ranges.add(new TreeMap<>());
    }
    versionDigests.forEach((k, v) -> ranges.get(rangeOf(k, rangeCount)).put(k, Objects.requireNonNull(v, k)));
    return ranges;
  }

  /**
   * The ranges whose leaves differ between {@code a} and {@code b}, ascending. Descends from the
   * root into differing subtrees only, which is what an anti-entropy exchange does level by level.
   *
   * @throws IllegalArgumentException if the trees have different numbers of ranges
   */
  public static List<Integer> diff(MerkleTree a, MerkleTree b) {
    if (a.rangeCount != b.rangeCount) {
      throw new IllegalArgumentException(
          "cannot compare trees of " + a.rangeCount + " and " + b.rangeCount + " ranges");
    }
    List<Integer> out = new ArrayList<>();
    a.collect(b, 1, out);
    return out;
  }

  private void collect(MerkleTree other, int node, List<Integer> out) {
    if (Arrays.equals(nodes[node], other.nodes[node])) {
      return;
    }
    if (node >= rangeCount) {
      out.add(node - rangeCount);
      return;
    }
    collect(other, 2 * node, out);
    collect(other, 2 * node + 1, out);
  }

  /** The number of ranges. */
  public int rangeCount() {
    return rangeCount;
  }

  /** The root digest: equal roots mean (barring a SHA-256 collision) equal contents. */
  public byte[] root() {
    return nodes[1].clone();
  }

  /** The digest of range {@code r}. */
  public byte[] leaf(int r) {
    Objects.checkIndex(r, rangeCount);
    return nodes[rangeCount + r].clone();
  }

  /** All leaf digests, in range order. */
  public List<byte[]> leaves() {
    List<byte[]> out = new ArrayList<>(rangeCount);
    for (int r = 0; r < rangeCount; r++) {
      out.add(leaf(r));
    }
    return out;
  }

  private static byte[] leafDigest(SortedMap<String, byte[]> range) {
    if (range.isEmpty()) {
      return EMPTY;
    }
    MessageDigest sha = Digests.sha256();
    for (Map.Entry<String, byte[]> e : range.entrySet()) {
      // Length prefixes so that ("ab","c") and ("a","bc") cannot hash alike.
      byte[] key = e.getKey().getBytes(StandardCharsets.UTF_8);
      updateInt(sha, key.length);
      sha.update(key);
      updateInt(sha, e.getValue().length);
      sha.update(e.getValue());
    }
    return sha.digest();
  }

  private static void updateInt(MessageDigest sha, int v) {
    sha.update((byte) (v >>> 24));
    sha.update((byte) (v >>> 16));
    sha.update((byte) (v >>> 8));
    sha.update((byte) v);
  }

  private static void requireRangeCount(int rangeCount) {
    if (rangeCount < 1 || rangeCount > MAX_RANGES || Integer.bitCount(rangeCount) != 1) {
      throw new IllegalArgumentException(
          "range count must be a power of two in [1, " + MAX_RANGES + "], was " + rangeCount);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MerkleTree t && rangeCount == t.rangeCount && Arrays.deepEquals(nodes, t.nodes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(nodes[1]);
  }

  @Override
  public String toString() {
    return "MerkleTree[ranges=" + rangeCount + ", root=" + Digests.hex(nodes[1]) + "]";
  }
}
