package io.splitguard.core.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class KvCodecTest {
  @Test
  void largeAndUnicodeValuesRoundTrip() {
    String big = "\u20ac".repeat(400_000) + "\uD83D\uDE00";
    KvCommand put = KvCommand.Put.of("key/with/slashes \u00e9", big);
    assertThat(KvCodec.decodeCommand(KvCodec.encodeCommand(put))).isEqualTo(put);
  }

  @Test
  void corruptOrTruncatedSnapshotsAreDetected() throws IOException {
    KvStore store = new KvStore();
    for (int i = 0; i < 50; i++) {
      store.apply(KvCommand.Put.of("k" + i, "value " + i));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    KvCodec.writeSnapshot(store, out);
    byte[] bytes = out.toByteArray();

    byte[] flipped = bytes.clone();
    flipped[bytes.length / 2] ^= 0x40;
    assertThatThrownBy(() -> KvCodec.readSnapshot(new ByteArrayInputStream(flipped)))
        .isInstanceOf(IOException.class);
    byte[] truncated = Arrays.copyOf(bytes, bytes.length - 3);
    assertThatThrownBy(() -> KvCodec.readSnapshot(new ByteArrayInputStream(truncated)))
        .isInstanceOf(IOException.class).hasMessageContaining("truncated");
    assertThatThrownBy(() -> KvCodec.readSnapshot(new ByteArrayInputStream(new byte[] {1, 2, 3, 4, 5})))
        .isInstanceOf(IOException.class).hasMessageContaining("magic");
  }

  @Test
  void garbageMessagesAreRejectedNotMisread() {
    assertThatThrownBy(() -> KvCodec.decodeCommand(new byte[] {1, 9, 0, 0, 0, 0}))
        .isInstanceOf(IllegalArgumentException.class);
    byte[] valid = KvCodec.encodeCommand(KvCommand.Delete.of("k"));
    byte[] trailing = Arrays.copyOf(valid, valid.length + 1);
    assertThatThrownBy(() -> KvCodec.decodeCommand(trailing))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trailing");
  }
}
