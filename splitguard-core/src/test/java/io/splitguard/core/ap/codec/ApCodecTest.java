package io.splitguard.core.ap.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;

import io.splitguard.core.ap.Histories;
import io.splitguard.core.ap.clock.ClockTombstone;
import io.splitguard.core.ap.clock.Decommissioned;
import io.splitguard.core.ap.clock.Hlc;
import io.splitguard.core.ap.clock.HlcClock;
import io.splitguard.core.ap.clock.HlcSettings;
import io.splitguard.core.ap.clock.VectorClock;
import io.splitguard.core.ap.clock.VectorClockGc;
import io.splitguard.core.ap.crdt.LwwRegister;
import io.splitguard.core.ap.crdt.ManualRegister;
import io.splitguard.core.ap.crdt.Mergeable;
import io.splitguard.core.ap.crdt.MergeOutcome;
import io.splitguard.core.ap.crdt.MvRegister;
import io.splitguard.core.ap.crdt.OrSet;
import io.splitguard.core.ap.crdt.PnCounter;
import io.splitguard.core.ap.crdt.SupersedeReason;
import io.splitguard.core.ap.crdt.Superseded;
import io.splitguard.core.ap.merkle.MerkleTree;
import io.splitguard.core.cluster.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Round trips of every AP encoding, on states reached by random replica histories. */
class ApCodecTest {
  private static final String KEY = "k/\u00e9\uD83D\uDE00";

  private static <T extends Mergeable<T>> List<Superseded> roundTripAll(List<T> states) {
    List<Superseded> superseded = new ArrayList<>();
    for (T s : states) {
      byte[] bytes = ApCodec.encodeValue(s);
      assertThat((Object) ApCodec.decodeValue(bytes)).isEqualTo(s);
      assertThat(ApCodec.encodeValue(s)).as("canonical").isEqualTo(bytes);
      for (T other : states) {
        MergeOutcome<T> out = s.merge(other);
        superseded.addAll(out.superseded());
      }
    }
    return superseded;
  }

  private static void roundTripSuperseded(List<Superseded> all) {
    for (Superseded s : all) {
      assertThat(ApCodec.decodeSuperseded(ApCodec.encodeSuperseded(s))).isEqualTo(s);
    }
  }

  @Test
  void everyValueTypeRoundTrips() {
    qt().withExamples(150).forAll(Histories.histories(30)).checkAssert(h -> {
      roundTripAll(Histories.run(h, PnCounter.empty(KEY),
          (c, s) -> c.add(Histories.NODES.get(s.replica()), s.arg() % 7 - 3), (a, b) -> a.merge(b).merged()));
      roundTripAll(Histories.run(h, OrSet.empty(KEY),
          (set, s) -> s.arg() % 2 == 0 ? set.add(Histories.NODES.get(s.replica()), "e" + s.arg() % 5)
              : set.remove("e" + s.arg() % 5), (a, b) -> a.merge(b).merged()));
      List<MvRegister> mv = Histories.run(h, MvRegister.empty(KEY),
          (r, s) -> s.arg() % 4 == 3 ? r.delete().merged() : r.write(Histories.NODES.get(s.replica()), "v" + s.arg()).merged(),
          (a, b) -> a.merge(b).merged());
      roundTripAll(mv);
      List<Superseded> deleted = new ArrayList<>();
      for (MvRegister r : mv) {
        deleted.addAll(r.delete().superseded());
      }
      roundTripSuperseded(deleted);
      List<ManualRegister> manual = Histories.run(h, ManualRegister.empty(KEY),
          (r, s) -> r.resolve(Histories.NODES.get(s.replica()), "v" + s.arg()).merged(), (a, b) -> a.merge(b).merged());
      roundTripAll(manual);
      HlcClock clock = new HlcClock(HlcSettings.of(NodeId.of("n1")));
      List<LwwRegister> lww = new ArrayList<>();
      long wall = 1_000;
      for (Histories.Step s : h) {
        Hlc stamp = clock.now(wall += s.arg() % 2).orThrow();
        lww.add(s.arg() % 4 == 3 ? LwwRegister.tombstone(KEY, stamp) : new LwwRegister(KEY, "v" + s.arg(), stamp));
      }
      roundTripSuperseded(roundTripAll(lww));
      List<Superseded> resolved = new ArrayList<>();
      for (ManualRegister r : manual) {
        resolved.addAll(r.resolve(NodeId.of("op"), "x").superseded());
      }
      roundTripSuperseded(resolved);
    });
  }

  @Test
  void valuesWithoutDeletesKeepTheirFormat1BytesAndFormat1StaysReadable() {
    Hlc stamp = new Hlc(1_700_000_000_000L, 3, NodeId.of("n1"));
    byte[] live = ApCodec.encodeValue(new LwwRegister("k", "v", stamp));
    // Format 1 as written before deletes existed: version, tag 8, key, value, HLC.
    byte[] format1 = io.splitguard.core.codec.Framing.write(out -> {
      out.writeByte(1);
      out.writeByte(8);
      io.splitguard.core.codec.Framing.writeString(out, "k");
      io.splitguard.core.codec.Framing.writeString(out, "v");
      out.writeLong(stamp.physicalMs());
      out.writeInt(stamp.logical());
      io.splitguard.core.codec.Framing.writeString(out, "n1");
    });
    assertThat(live).isEqualTo(format1);
    assertThat((Object) ApCodec.decodeValue(format1)).isEqualTo(new LwwRegister("k", "v", stamp));
    byte[] tombstone = ApCodec.encodeValue(LwwRegister.tombstone("k", stamp));
    assertThat(tombstone[0]).as("format version").isEqualTo((byte) 2);
    assertThat((Object) ApCodec.decodeValue(tombstone)).isEqualTo(LwwRegister.tombstone("k", stamp));
    Superseded overwritten = new Superseded("k", "v", stamp, NodeId.of("n1"), SupersedeReason.OVERWRITTEN);
    assertThat(ApCodec.encodeSuperseded(overwritten)[0]).isEqualTo((byte) 1);
    Superseded del = new Superseded("k", "v", stamp, NodeId.of("n1"), SupersedeReason.DELETED);
    assertThat(ApCodec.encodeSuperseded(del)[0]).isEqualTo((byte) 2);
    assertThat(ApCodec.decodeSuperseded(ApCodec.encodeSuperseded(del))).isEqualTo(del);
    assertThat(ApCodec.decodeStamp(ApCodec.encodeStamp(stamp))).isEqualTo(stamp);
    VectorClock vc = VectorClock.of(Map.of(NodeId.of("a"), 2L));
    assertThat(ApCodec.decodeStamp(ApCodec.encodeStamp(vc))).isEqualTo(vc);
    // An unknown tombstone flag is refused.
    byte[] badFlag = tombstone.clone();
    badFlag[2 + 4 + 1] = 7;
    assertThatThrownBy(() -> ApCodec.decodeValue(badFlag)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("flag");
  }

  @Test
  void clocksTombstonesAndTreesRoundTrip() {
    Hlc hlc = new Hlc(1_700_000_000_000L, 42, NodeId.of("n-3"));
    assertThat(ApCodec.decodeHlc(ApCodec.encodeHlc(hlc))).isEqualTo(hlc);
    VectorClock vc = VectorClock.of(Map.of(NodeId.of("a"), 5L, NodeId.of("b"), Long.MAX_VALUE));
    assertThat(ApCodec.decodeVectorClock(ApCodec.encodeVectorClock(vc))).isEqualTo(vc);
    assertThat(ApCodec.decodeVectorClock(ApCodec.encodeVectorClock(VectorClock.empty()))).isEqualTo(VectorClock.empty());
    ClockTombstone t = VectorClockGc.defaults()
        .collect(vc, List.of(new Decommissioned(NodeId.of("b"), 0)), Long.MAX_VALUE / 2).tombstone().orElseThrow();
    assertThat(ApCodec.decodeTombstone(ApCodec.encodeTombstone(t))).isEqualTo(t);
    Map<String, byte[]> digests = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      digests.put("k" + i, ApCodec.versionDigest(PnCounter.empty("k" + i).add(NodeId.of("a"), i)));
    }
    MerkleTree tree = MerkleTree.build(32, digests);
    assertThat(ApCodec.decodeMerkleTree(ApCodec.encodeMerkleTree(tree))).isEqualTo(tree);
  }

  @Test
  void malformedOrMistypedBytesAreRejected() {
    byte[] hlc = ApCodec.encodeHlc(new Hlc(1, 0, NodeId.of("a")));
    assertThatThrownBy(() -> ApCodec.decodeVectorClock(hlc))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected message type");
    assertThatThrownBy(() -> ApCodec.decodeHlc(Arrays.copyOf(hlc, hlc.length - 1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ApCodec.decodeHlc(Arrays.copyOf(hlc, hlc.length + 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trailing");
    byte[] wrongVersion = hlc.clone();
    wrongVersion[0] = 9;
    assertThatThrownBy(() -> ApCodec.decodeHlc(wrongVersion)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ApCodec.decodeValue(hlc)).isInstanceOf(IllegalArgumentException.class);
    // A dot outside its context is refused by the type, not decoded into a broken state.
    byte[] set = ApCodec.encodeValue(OrSet.empty("s").add(NodeId.of("a"), "x"));
    byte[] lastCounterZeroed = set.clone();
    lastCounterZeroed[lastCounterZeroed.length - 1] = 0;
    assertThatThrownBy(() -> ApCodec.decodeValue(lastCounterZeroed)).isInstanceOf(IllegalArgumentException.class);
  }
}
