package io.splitguard.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.splitguard.core.kv.KvCodec;
import io.splitguard.core.kv.KvCommand;
import io.splitguard.core.lock.LockCodec;
import io.splitguard.core.lock.LockCommand;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Batches of commands and queries, and their outcomes, survive encoding unchanged. */
class BatchCodecTest {
  @Test
  void elementsAreCarriedByteForByteAndInOrder() {
    qt().withExamples(200)
        .forAll(lists().of(integers().between(0, 300)).ofSizeBetween(1, 40))
        .checkAssert(sizes -> {
          List<byte[]> elements = new ArrayList<>();
          for (int i = 0; i < sizes.size(); i++) {
            byte[] e = new byte[sizes.get(i)];
            for (int j = 0; j < e.length; j++) {
              e[j] = (byte) (i * 31 + j);
            }
            elements.add(e);
          }
          List<byte[]> decoded = BatchCodec.decode(BatchCodec.encode(elements));
          assertThat(decoded).hasSameSizeAs(elements);
          for (int i = 0; i < elements.size(); i++) {
            assertThat(decoded.get(i)).isEqualTo(elements.get(i));
          }
        });
  }

  @Test
  void aBatchIsNeverMistakenForASingleCommandOrQuery() {
    byte[] batch = BatchCodec.encode(List.of(KvCodec.encodeCommand(KvCommand.Put.of("k", "v"))));
    assertThat(BatchCodec.isBatch(batch)).isTrue();
    assertThat(BatchCodec.isBatch(KvCodec.encodeCommand(KvCommand.Put.of("k", "v")))).isFalse();
    assertThat(BatchCodec.isBatch(KvCodec.encodeQuery("k"))).isFalse();
    assertThat(BatchCodec.isBatch(RegistryCodec.encodeGuardedQuery("r"))).isFalse();
    assertThat(BatchCodec.isBatch(LockCodec.encodeCommand(new LockCommand.Release("l", 1, 0))))
        .isFalse();
    assertThat(LockCodec.isLockCommand(batch)).isFalse();
  }

  @Test
  void outcomesKeepResultsAndReasonsInOrder() {
    List<BatchCodec.Outcome> outcomes = List.of(
        new BatchCodec.Outcome.Done(new byte[] {1, 2, 3}),
        new BatchCodec.Outcome.Failed("undecodable command: bad tag"),
        new BatchCodec.Outcome.Done(new byte[0]));
    List<BatchCodec.Outcome> decoded = BatchCodec.decodeOutcomes(BatchCodec.encodeOutcomes(outcomes));
    assertThat(decoded).hasSize(3);
    assertThat(((BatchCodec.Outcome.Done) decoded.get(0)).result()).containsExactly(1, 2, 3);
    assertThat(decoded.get(1)).isEqualTo(outcomes.get(1));
    assertThat(((BatchCodec.Outcome.Done) decoded.get(2)).result()).isEmpty();
  }

  @Test
  void malformedBatchesAreRefusedNotMisread() {
    byte[] good = BatchCodec.encode(List.of(new byte[] {1, 2}, new byte[] {3}));
    byte[] truncated = java.util.Arrays.copyOf(good, good.length - 1);
    assertThatThrownBy(() -> BatchCodec.decode(truncated)).isInstanceOf(IllegalArgumentException.class);
    byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);
    assertThatThrownBy(() -> BatchCodec.decode(trailing)).isInstanceOf(IllegalArgumentException.class);
    byte[] badVersion = good.clone();
    badVersion[1] = 7;
    assertThatThrownBy(() -> BatchCodec.decode(badVersion))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version");
    byte[] hugeCount = good.clone();
    hugeCount[2] = 0x7f;
    assertThatThrownBy(() -> BatchCodec.decode(hugeCount)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BatchCodec.encode(List.of())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BatchCodec.decodeOutcomes(good)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void elementsKeepTheirRequestIdsAndABatchWithoutIdsStaysVersionOne() {
    AppliedRequests.RequestId id = new AppliedRequests.RequestId(new byte[] {5, 6, 7}, 99);
    List<BatchCodec.Element> elements = List.of(
        BatchCodec.Element.of(new byte[] {1}), new BatchCodec.Element(new byte[] {2, 3}, id));
    byte[] withIds = BatchCodec.encodeElements(elements);
    assertThat(withIds[1]).isEqualTo((byte) 2);
    List<BatchCodec.Element> decoded = BatchCodec.decodeElements(withIds);
    assertThat(decoded).hasSize(2);
    assertThat(decoded.get(0).id()).isNull();
    assertThat(decoded.get(0).bytes()).containsExactly(1);
    assertThat(decoded.get(1).id()).isEqualTo(id);
    assertThat(decoded.get(1).bytes()).containsExactly(2, 3);
    assertThat(BatchCodec.decode(withIds)).hasSize(2);

    byte[] withoutIds = BatchCodec.encodeElements(List.of(BatchCodec.Element.of(new byte[] {1})));
    assertThat(withoutIds).isEqualTo(BatchCodec.encode(List.of(new byte[] {1})));
    assertThat(withoutIds[1]).isEqualTo((byte) 1);
  }

  @Test
  void aForwardCarriesIdsForEveryElementAndIsNeitherABatchNorAnOutcomeList() {
    AppliedRequests.RequestId a = new AppliedRequests.RequestId(new byte[] {1, 2}, 1);
    AppliedRequests.RequestId b = new AppliedRequests.RequestId(new byte[] {1, 2}, 2);
    byte[] forward = BatchCodec.encodeForward(List.of(
        new BatchCodec.Element(new byte[] {7}, a), new BatchCodec.Element(new byte[] {8}, b)));
    assertThat(BatchCodec.isForward(forward)).isTrue();
    assertThat(BatchCodec.isBatch(forward)).isFalse();
    List<BatchCodec.Element> decoded = BatchCodec.decodeForward(forward);
    assertThat(decoded).extracting(BatchCodec.Element::id).containsExactly(a, b);
    assertThatThrownBy(() -> BatchCodec.encodeForward(List.of(BatchCodec.Element.of(new byte[] {7}))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("id");
    assertThatThrownBy(() -> BatchCodec.decodeForward(BatchCodec.encode(List.of(new byte[] {7}))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(BatchCodec.isForwardRefused(BatchCodec.forwardRefused())).isTrue();
    assertThat(BatchCodec.isForwardRefused(
        BatchCodec.encodeOutcomes(List.of(new BatchCodec.Outcome.Unknown("x"))))).isFalse();
  }

  @Test
  void anUnknownOutcomeRoundTrips() {
    List<BatchCodec.Outcome> outcomes = BatchCodec.decodeOutcomes(BatchCodec.encodeOutcomes(
        List.of(new BatchCodec.Outcome.Unknown("applied before"), new BatchCodec.Outcome.Done(new byte[0]))));
    assertThat(outcomes.get(0)).isEqualTo(new BatchCodec.Outcome.Unknown("applied before"));
  }
}
