package io.splitguard.core.ap.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Merkle range digests. The diff property compares against the plain definition: a range differs
 * exactly when the two replicas' key-to-digest maps restricted to it differ. QuickTheories prints
 * the falsifying input and its seed; {@code -DQT_SEED=...} replays it.
 */
class MerkleTreeTest {

  private static byte[] digest(int v) {
    return ("version-" + v).getBytes(StandardCharsets.UTF_8);
  }

  /** A base map of up to 200 keys and edits: change, delete or add keys on the other replica. */
  record Case(Map<String, byte[]> a, Map<String, byte[]> b, int ranges) {}

  private static final Gen<Case> CASES = lists().of(integers().between(0, 100_000)).ofSizeBetween(0, 200).zip(
      lists().of(integers().between(0, Integer.MAX_VALUE)).ofSizeBetween(0, 30), integers().between(0, 8),
      (base, edits, bits) -> {
        Map<String, byte[]> a = new HashMap<>();
        for (int k : base) {
          a.put("key-" + k, digest(k));
        }
        Map<String, byte[]> b = new HashMap<>(a);
        List<String> keys = new ArrayList<>(new TreeMap<>(a).keySet());
        for (int e : edits) {
          int kind = e % 3;
          if (kind == 0 || keys.isEmpty()) {
            b.put("new-" + e / 3, digest(e));
          } else if (kind == 1) {
            b.remove(keys.get((e / 3) % keys.size()));
          } else {
            b.put(keys.get((e / 3) % keys.size()), digest(e / 3 + 1_000_000));
          }
        }
        return new Case(a, b, 1 << bits);
      });

  @Test
  void diffReturnsExactlyTheRangesWhoseContentsDiffer() {
    qt().withExamples(300).forAll(CASES).checkAssert(c -> {
      MerkleTree ta = MerkleTree.build(c.ranges(), c.a());
      MerkleTree tb = MerkleTree.build(c.ranges(), c.b());
      List<Map<String, byte[]>> ra = plain(c.a(), c.ranges());
      List<Map<String, byte[]>> rb = plain(c.b(), c.ranges());
      List<Integer> expected = new ArrayList<>();
      for (int r = 0; r < c.ranges(); r++) {
        if (!sameContents(ra.get(r), rb.get(r))) {
          expected.add(r);
        }
      }
      assertThat(MerkleTree.diff(ta, tb)).isEqualTo(expected);
      assertThat(MerkleTree.diff(tb, ta)).isEqualTo(expected);
      assertThat(MerkleTree.diff(ta, ta)).isEmpty();
      assertThat(ta.equals(tb)).isEqualTo(expected.isEmpty());
    });
  }

  @Test
  void theTreeIsDeterministicWhateverTheInsertionOrder() {
    Map<String, byte[]> forward = new LinkedHashMap<>();
    Map<String, byte[]> backward = new LinkedHashMap<>();
    for (int i = 0; i < 100; i++) {
      forward.put("k" + i, digest(i));
    }
    for (int i = 99; i >= 0; i--) {
      backward.put("k" + i, digest(i));
    }
    assertThat(MerkleTree.build(64, forward)).isEqualTo(MerkleTree.build(64, backward));
    assertThat(MerkleTree.build(64, forward).root()).isEqualTo(MerkleTree.build(64, new TreeMap<>(forward)).root());
  }

  @Test
  void keysSpreadOverRangesAndRangeCountsAreChecked() {
    int[] counts = new int[16];
    for (int i = 0; i < 16_000; i++) {
      counts[MerkleTree.rangeOf("user/" + i, 16)]++;
    }
    // Hash-prefix ranges: a sequential naming scheme must not pile into one range.
    for (int n : counts) {
      assertThat(n).isBetween(800, 1200);
    }
    assertThat(MerkleTree.rangeOf("anything", 1)).isZero();
    assertThatThrownBy(() -> MerkleTree.build(3, Map.of())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MerkleTree.diff(MerkleTree.build(2, Map.of()), MerkleTree.build(4, Map.of())))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void lengthPrefixesKeepKeyAndDigestBoundariesApart() {
    // Two different maps whose naive concatenation would be identical.
    Map<String, byte[]> x = Map.of("ab", "c".getBytes(StandardCharsets.UTF_8));
    Map<String, byte[]> y = Map.of("a", "bc".getBytes(StandardCharsets.UTF_8));
    assertThat(MerkleTree.build(1, x).root()).isNotEqualTo(MerkleTree.build(1, y).root());
  }

  @Test
  void aTreeFromPrecomputedRangesEqualsTheBuiltOne_andKeyHashesPlaceKeysLikeRangeOf() {
    Map<String, byte[]> map = new HashMap<>();
    for (int i = 0; i < 500; i++) {
      map.put("k" + i, ("v" + i).getBytes(StandardCharsets.UTF_8));
    }
    for (int ranges : new int[] {1, 2, 64, MerkleTree.MAX_RANGES}) {
      for (String k : map.keySet()) {
        assertThat(MerkleTree.rangeOfHash(MerkleTree.keyHash(k), ranges)).isEqualTo(MerkleTree.rangeOf(k, ranges));
      }
      assertThat(MerkleTree.ofRanges(MerkleTree.partition(ranges, map))).isEqualTo(MerkleTree.build(ranges, map));
    }
  }

  @Test
  void keySummariesDifferWhenTheKeyOrTheVersionDiffers() {
    byte[] v1 = "v1".getBytes(StandardCharsets.UTF_8);
    byte[] v2 = "v2".getBytes(StandardCharsets.UTF_8);
    assertThat(MerkleTree.keySummary("k", v1)).isEqualTo(MerkleTree.keySummary("k", v1.clone()));
    assertThat(MerkleTree.keySummary("k", v1)).isNotEqualTo(MerkleTree.keySummary("k", v2));
    assertThat(MerkleTree.keySummary("k", v1)).isNotEqualTo(MerkleTree.keySummary("k2", v1));
    // Length prefixed: the key/version boundary cannot shift.
    assertThat(MerkleTree.keySummary("ab", "c".getBytes(StandardCharsets.UTF_8)))
        .isNotEqualTo(MerkleTree.keySummary("a", "bc".getBytes(StandardCharsets.UTF_8)));
  }

  private static List<Map<String, byte[]>> plain(Map<String, byte[]> map, int ranges) {
    List<Map<String, byte[]>> out = new ArrayList<>();
    for (int r = 0; r < ranges; r++) {
      out.add(new HashMap<>());
    }
    map.forEach((k, v) -> out.get(MerkleTree.rangeOf(k, ranges)).put(k, v));
    return out;
  }

  private static boolean sameContents(Map<String, byte[]> x, Map<String, byte[]> y) {
    if (!x.keySet().equals(y.keySet())) {
      return false;
    }
    return x.entrySet().stream().allMatch(e -> java.util.Arrays.equals(e.getValue(), y.get(e.getKey())));
  }
}
