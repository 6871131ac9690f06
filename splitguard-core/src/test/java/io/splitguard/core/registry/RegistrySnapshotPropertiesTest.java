package io.splitguard.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.splitguard.core.kv.KvCodec;
import io.splitguard.core.kv.KvCommand;
import io.splitguard.core.kv.KvResult;
import io.splitguard.core.kv.KvStore;
import io.splitguard.core.lock.GuardedValue;
import io.splitguard.core.lock.LockCodec;
import io.splitguard.core.lock.LockCommand;
import io.splitguard.core.lock.LockResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The whole registry (keyspace and locks) through its codecs: log messages and snapshots round
 * trip, a restored registry behaves exactly like the original, and version-1 snapshots (written
 * before locks existed) are still read.
 */
class RegistrySnapshotPropertiesTest {

  /** A keyspace or lock command, as {@link KvCommand} or {@link LockCommand}. */
  private static final Gen<Object> COMMANDS =
      integers().between(0, 99).zip(integers().between(0, 4), integers().between(0, 30_000),
          (kind, n, x) -> {
            long stamp = 1_000_000L + x * 3L - 20_000; // wanders both ways around a base
            if (kind < 30) {
              return (Object) KvCommand.Put.of("k" + n, "v" + x);
            }
            if (kind < 40) {
              return KvCommand.Delete.of("k" + n);
            }
            if (kind < 60) {
              return LockCommand.Acquire.of("l" + n, "o" + (x % 3), 1 + x % 5_000).stamped(stamp);
            }
            if (kind < 70) {
              return LockCommand.KeepAlive.of("l" + n, 1 + x % 40).stamped(stamp);
            }
            if (kind < 78) {
              return LockCommand.Release.of("l" + n, 1 + x % 40).stamped(stamp);
            }
            if (kind < 85) {
              return LockCommand.Inspect.of("l" + n).stamped(stamp);
            }
            return new LockCommand.GuardedPut("r" + n, 1 + x % 40, "g" + x);
          });

  private static final Gen<List<Object>> SCENARIOS = lists().of(COMMANDS).ofSizeBetween(0, 80);

  /** Applies through the log codecs, as the state machine does, checking each round trip. */
  private static byte[] applyEncoded(RegistryState state, Object command) {
    if (command instanceof KvCommand kv) {
      byte[] bytes = KvCodec.encodeCommand(kv);
      assertThat(LockCodec.isLockCommand(bytes)).isFalse();
      assertThat(KvCodec.decodeCommand(bytes)).isEqualTo(kv);
      KvResult r = state.apply(kv);
      assertThat(KvCodec.decodeResult(KvCodec.encodeResult(r))).isEqualTo(r);
      return KvCodec.encodeResult(r);
    }
    LockCommand lock = (LockCommand) command;
    byte[] bytes = LockCodec.encodeCommand(lock);
    assertThat(LockCodec.isLockCommand(bytes)).isTrue();
    assertThat(LockCodec.needsTime(bytes)).isEqualTo(lock.needsTime());
    assertThat(LockCodec.decodeCommand(bytes)).isEqualTo(lock);
    LockResult r = state.apply(lock);
    assertThat(LockCodec.decodeResult(LockCodec.encodeResult(r))).isEqualTo(r);
    return LockCodec.encodeResult(r);
  }

  @Test
  void snapshotsIncludingLocksRoundTripAndTheRestoredRegistryBehavesTheSame() {
    qt().withExamples(200).forAll(SCENARIOS, SCENARIOS).checkAssert((before, after) -> {
      RegistryState original = new RegistryState();
      before.forEach(c -> applyEncoded(original, c));
      RegistryState restored = roundTrip(original);
      assertThat(restored.kv().entries()).isEqualTo(original.kv().entries());
      assertThat(restored.revision()).isEqualTo(original.revision());
      assertThat(restored.locks().leases()).isEqualTo(original.locks().leases());
      assertThat(restored.locks().guardedValues()).isEqualTo(original.locks().guardedValues());
      assertThat(restored.locks().clockMs()).isEqualTo(original.locks().clockMs());
      for (Object c : after) {
        assertThat(applyEncoded(restored, c)).as("after restore: %s", c).isEqualTo(applyEncoded(original, c));
      }
    });
  }

  @Test
  void versionOneSnapshotsAreStillRead() {
    qt().withExamples(200).forAll(lists().of(COMMANDS).ofSizeBetween(0, 60)).checkAssert(commands -> {
      KvStore store = new KvStore();
      for (Object c : commands) {
        if (c instanceof KvCommand kv) {
          store.apply(kv);
        }
      }
      ByteArrayOutputStream v1 = new ByteArrayOutputStream();
      try {
        KvCodec.writeSnapshot(store, v1);
        RegistryState restored = RegistryCodec.readSnapshot(new ByteArrayInputStream(v1.toByteArray()));
        assertThat(restored.kv().entries()).isEqualTo(store.entries());
        assertThat(restored.revision()).isEqualTo(store.revision());
        assertThat(restored.locks().leases()).isEmpty();
        assertThat(restored.locks().guardedValues()).isEmpty();
        assertThat(restored.locks().clockMs()).isZero();
        // The first grant after the upgrade still gets a token above every key revision.
        LockResult.Granted g = (LockResult.Granted) restored.apply(LockCommand.Acquire.of("l", "o", 10).stamped(5));
        assertThat(g.lease().token()).isEqualTo(store.revision() + 1);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  @Test
  void corruptTruncatedOrUnknownSnapshotsAreRefused() throws IOException {
    RegistryState state = new RegistryState();
    for (int i = 0; i < 20; i++) {
      state.apply(KvCommand.Put.of("k" + i, "v" + i));
      state.apply(LockCommand.Acquire.of("l" + i, "o", 1_000).stamped(10_000 + i));
      state.apply(new LockCommand.GuardedPut("r" + i, 1 + i, "g"));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    RegistryCodec.writeSnapshot(state, out);
    byte[] bytes = out.toByteArray();
    assertThat(bytes[4]).isEqualTo(RegistryCodec.SNAPSHOT_VERSION);

    byte[] flipped = bytes.clone();
    flipped[bytes.length - 40] ^= 0x10; // inside the lock section
    assertThatThrownBy(() -> RegistryCodec.readSnapshot(new ByteArrayInputStream(flipped)))
        .isInstanceOf(IOException.class);
    byte[] truncated = Arrays.copyOf(bytes, bytes.length - 3);
    assertThatThrownBy(() -> RegistryCodec.readSnapshot(new ByteArrayInputStream(truncated)))
        .isInstanceOf(IOException.class).hasMessageContaining("truncated");
    byte[] future = bytes.clone();
    future[4] = 9;
    assertThatThrownBy(() -> RegistryCodec.readSnapshot(new ByteArrayInputStream(future)))
        .isInstanceOf(IOException.class).hasMessageContaining("version 9");
    // An old reader refuses the new format instead of misreading it.
    assertThatThrownBy(() -> KvCodec.readSnapshot(new ByteArrayInputStream(bytes)))
        .isInstanceOf(IOException.class).hasMessageContaining("version");
  }

  @Test
  void queriesForKeysAndGuardedResourcesAreToldApart() {
    assertThat(RegistryCodec.decodeQuery(KvCodec.encodeQuery("k/\u00e9")))
        .isEqualTo(new RegistryCodec.Query(RegistryCodec.QueryKind.KEY, "k/\u00e9"));
    assertThat(RegistryCodec.decodeQuery(RegistryCodec.encodeGuardedQuery("r/\u00e9")))
        .isEqualTo(new RegistryCodec.Query(RegistryCodec.QueryKind.GUARDED, "r/\u00e9"));
    GuardedValue value = new GuardedValue("r", "v", 3, 4);
    assertThat(RegistryCodec.decodeGuardedAnswer(RegistryCodec.encodeGuardedAnswer(Optional.of(value)))).contains(value);
    assertThat(RegistryCodec.decodeGuardedAnswer(RegistryCodec.encodeGuardedAnswer(Optional.empty()))).isEmpty();
    byte[] bad = RegistryCodec.encodeGuardedQuery("r");
    bad[1] = 7;
    assertThatThrownBy(() -> RegistryCodec.decodeQuery(bad)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void garbageLockMessagesAreRejectedNotMisread() {
    assertThatThrownBy(() -> LockCodec.decodeCommand(new byte[] {1, 9, 0, 0, 0, 0}))
        .isInstanceOf(IllegalArgumentException.class);
    byte[] valid = LockCodec.encodeCommand(LockCommand.Acquire.of("l", "o", 10));
    byte[] trailing = Arrays.copyOf(valid, valid.length + 1);
    assertThatThrownBy(() -> LockCodec.decodeCommand(trailing))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trailing");
    // A lock result can never be read as a keyspace result, nor the other way round.
    byte[] lockResult = LockCodec.encodeResult(new LockResult.GuardedFenced("r", 1, 2, 3));
    assertThatThrownBy(() -> KvCodec.decodeResult(lockResult)).isInstanceOf(IllegalArgumentException.class);
    List<byte[]> kvResults = new ArrayList<>();
    kvResults.add(KvCodec.encodeResult(new KvResult.NotFound("k", 1)));
    assertThatThrownBy(() -> LockCodec.decodeResult(kvResults.get(0))).isInstanceOf(IllegalArgumentException.class);
  }

  private static RegistryState roundTrip(RegistryState state) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      RegistryCodec.writeSnapshot(state.copy(), out);
      return RegistryCodec.readSnapshot(new ByteArrayInputStream(out.toByteArray()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
