package io.splitguard.bench;

import io.splitguard.core.ap.clock.Hlc;
import io.splitguard.core.ap.codec.ApCodec;
import io.splitguard.core.ap.crdt.LwwRegister;
import io.splitguard.core.ap.merkle.MerkleTree;
import io.splitguard.core.cluster.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The Merkle digests of AP anti-entropy over one replica of {@code keys} keys: building the tree
 * from scratch, building it from cached key hashes (what the server's durable view does at every
 * anti-entropy round), and the cost of one key's new version followed by the new root, both by
 * rebuilding every leaf (what the immutable {@link MerkleTree} API does today) and by rehashing only
 * the changed range's leaf and the inner nodes (the lower bound for an incremental tree). Plus the
 * per-write version digest (SHA-256 of the value's canonical encoding) that feeds the leaves.
 *
 * <p>The range count follows the server's rule ({@code ApReplicator.rangeCountFor}, not reachable
 * from this module): the default 256, doubled while a range would hold more than 64 keys; that is
 * 256 ranges for 10,000 keys and 2,048 for 100,000. Values are LWW registers of 100 bytes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MerkleDigestBenchmark {

  /** {@code ApReplicationSettings.defaults().rangeCount()}. */
  private static final int BASE_RANGES = 256;
  /** {@code ApReplicator.KEYS_PER_RANGE}. */
  private static final int KEYS_PER_RANGE = 64;

  private static final NodeId NODE = NodeId.of("n1");
  private static final long T0 = 1_700_000_000_000L;
  private static final String VALUE = "v".repeat(100);

  private static String key(int i) {
    return "user/" + String.format("%08d", i);
  }

  private static byte[] versionDigest(String key, long physicalMs) {
    return ApCodec.versionDigest(new LwwRegister(key, VALUE, new Hlc(physicalMs, 0, NODE)));
  }

  /**
   * One replica: every key's version digest and cached key hash, the key-ordered ranges and the
   * current leaves (kept up to date by the update benchmarks), and new versions to write.
   */
  @State(Scope.Thread)
  public static class Replica {
    /** Keys in the replica. */
    @Param({"10000", "100000"})
    public int keys;

    int rangeCount;
    String[] keyNames;
    long[] keyHashes;
    byte[][] digests;
    Map<String, byte[]> versionDigests;
    List<SortedMap<String, byte[]>> ranges;
    List<byte[]> leaves;
    /** Per update slot: the key it rewrites and its two alternating new digests. */
    int[] updateKeys;
    byte[][][] updateDigests;
    int next;
    int round;

    /** Computes every key's version digest and hash, partitions them and builds the leaves. */
    @Setup
    public void setUp() {
      rangeCount = BASE_RANGES;
      while (rangeCount < MerkleTree.MAX_RANGES && (long) rangeCount * KEYS_PER_RANGE < keys) {
        rangeCount *= 2;
      }
      keyNames = new String[keys];
      keyHashes = new long[keys];
      digests = new byte[keys][];
      versionDigests = new HashMap<>();
      for (int i = 0; i < keys; i++) {
        keyNames[i] = key(i);
        keyHashes[i] = MerkleTree.keyHash(keyNames[i]);
        digests[i] = versionDigest(keyNames[i], T0 + i);
        versionDigests.put(keyNames[i], digests[i]);
      }
      ranges = MerkleTree.partition(rangeCount, versionDigests);
      leaves = MerkleTree.ofRanges(ranges).leaves();
      if (!Arrays.equals(MerkleTree.ofRanges(List.of(ranges.get(0))).root(), leaves.get(0))) {
        throw new IllegalStateException("a one-range tree's root is no longer its leaf digest");
      }
      updateKeys = new int[1024];
      updateDigests = new byte[updateKeys.length][][];
      int lcg = 17;
      for (int j = 0; j < updateKeys.length; j++) {
        lcg = (lcg * 1103515245 + 12345) & 0x7fffffff;
        updateKeys[j] = lcg % keys;
        String k = keyNames[updateKeys[j]];
        updateDigests[j] = new byte[][] {versionDigest(k, T0 + keys + j), versionDigest(k, T0 + 2L * keys + j)};
      }
    }

    /** Writes the next new version into its range; returns the range. */
    int writeNext() {
      int slot = next;
      int i = updateKeys[slot];
      byte[] digest = updateDigests[slot][round & 1];
      if (++next == updateKeys.length) {
        next = 0;
        round++;
      }
      int r = MerkleTree.rangeOfHash(keyHashes[i], rangeCount);
      ranges.get(r).put(keyNames[i], digest);
      return r;
    }
  }

  /** One LWW value, for the per-write version digest. */
  @State(Scope.Thread)
  public static class Value {
    LwwRegister register;

    /** A 100-byte value. */
    @Setup
    public void setUp() {
      register = new LwwRegister(key(417), VALUE, new Hlc(T0, 0, NODE));
    }
  }

  /** From scratch: hashes every key to find its range, then digests the leaves and inner nodes. */
  @Benchmark
  public byte[] build(Replica s) {
    return MerkleTree.build(s.rangeCount, s.versionDigests).root();
  }

  /** As the durable view builds its tree per anti-entropy round: ranges from cached key hashes. */
  @Benchmark
  public byte[] buildFromCachedHashes(Replica s) {
    List<SortedMap<String, byte[]>> ranges = new ArrayList<>(s.rangeCount);
    for (int r = 0; r < s.rangeCount; r++) {
      ranges.add(new TreeMap<>());
    }
    for (int i = 0; i < s.keys; i++) {
      ranges.get(MerkleTree.rangeOfHash(s.keyHashes[i], s.rangeCount)).put(s.keyNames[i], s.digests[i]);
    }
    return MerkleTree.ofRanges(ranges).root();
  }

  /** One key gets a new version in the kept ranges; every leaf and inner node is rehashed. */
  @Benchmark
  public byte[] updateKeyRebuildRoot(Replica s) {
    s.writeNext();
    return MerkleTree.ofRanges(s.ranges).root();
  }

  /**
   * One key gets a new version; only its range's leaf is rehashed (a one-range tree's root is
   * that range's leaf digest), then the inner nodes above the leaves are recomputed.
   */
  @Benchmark
  public byte[] updateKeyIncrementalRoot(Replica s) {
    int r = s.writeNext();
    s.leaves.set(r, MerkleTree.ofRanges(List.of(s.ranges.get(r))).root());
    return MerkleTree.ofLeaves(s.leaves).root();
  }

  /** The version digest of one 100-byte LWW value: its canonical encoding, then SHA-256. */
  @Benchmark
  public byte[] versionDigest(Value s) {
    return ApCodec.versionDigest(s.register);
  }
}
