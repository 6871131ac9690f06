package io.splitguard.core.keyspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitguard.core.kv.KvCommand;
import io.splitguard.core.registry.RegistryCodec;
import io.splitguard.core.registry.RegistryState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class KeyspaceTableTest {
  private static KeyspaceCommand.Declare ap(String name, MergePolicy merge) {
    return new KeyspaceCommand.Declare(name, KeyspaceMode.AP, Optional.of(merge), 0);
  }

  private static KeyspaceCommand.Declare cp(String name, KeyspaceMode mode) {
    return new KeyspaceCommand.Declare(name, mode, Optional.empty(), 0);
  }

  @Test
  void declaringCreatesAtTheNextRevisionAndRepeatingChangesNothing() {
    RegistryState state = new RegistryState();
    state.apply(KvCommand.Put.of("a", "1"));
    KeyspaceResult first = state.apply(ap("presence", MergePolicy.CRDT));
    assertThat(first).isInstanceOf(KeyspaceResult.Declared.class);
    assertThat(((KeyspaceResult.Declared) first).keyspace().revision()).isEqualTo(2);
    assertThat(state.revision()).isEqualTo(2);
    assertThat(state.apply(ap("presence", MergePolicy.CRDT))).isInstanceOf(KeyspaceResult.Unchanged.class);
    assertThat(state.revision()).isEqualTo(2);
    assertThat(state.keyspaces().all()).extracting(Keyspace::name).containsExactly("default", "presence");
  }

  @Test
  void aDifferentModeOrMergePolicyIsRefusedAndDefaultStaysCp() {
    RegistryState state = new RegistryState();
    state.apply(ap("logs", MergePolicy.LWW));
    assertThat(state.apply(cp("logs", KeyspaceMode.CP))).isInstanceOf(KeyspaceResult.Refused.class);
    assertThat(state.apply(ap("logs", MergePolicy.CRDT))).isInstanceOf(KeyspaceResult.Refused.class);
    assertThat(state.apply(ap("default", MergePolicy.LWW))).isInstanceOf(KeyspaceResult.Refused.class);
    assertThat(state.apply(cp("default", KeyspaceMode.CP_STALE_READS))).isInstanceOf(KeyspaceResult.Refused.class);
    assertThat(state.apply(cp("default", KeyspaceMode.CP))).isInstanceOf(KeyspaceResult.Unchanged.class);
    assertThat(state.keyspaces().get("logs").orElseThrow().merge()).contains(MergePolicy.LWW);
    assertThat(state.revision()).isEqualTo(1);
  }

  @Test
  void onlyTheGracePeriodOfAManualKeyspaceMayChange() {
    RegistryState state = new RegistryState();
    state.apply(new KeyspaceCommand.Declare("drift", KeyspaceMode.AP, Optional.of(MergePolicy.MANUAL), 1000));
    KeyspaceResult r = state.apply(
        new KeyspaceCommand.Declare("drift", KeyspaceMode.AP, Optional.of(MergePolicy.MANUAL), 2000));
    assertThat(r).isInstanceOf(KeyspaceResult.Declared.class);
    assertThat(((KeyspaceResult.Declared) r).created()).isFalse();
    assertThat(state.keyspaces().get("drift").orElseThrow().graceMs()).isEqualTo(2000);
  }

  @Test
  void invalidDeclarationsCannotBeBuilt() {
    assertThatThrownBy(() -> new KeyspaceCommand.Declare("x", KeyspaceMode.AP, Optional.empty(), 0))
        .hasMessageContaining("merge");
    assertThatThrownBy(() -> new KeyspaceCommand.Declare("x", KeyspaceMode.CP, Optional.of(MergePolicy.LWW), 0))
        .hasMessageContaining("merge");
    assertThatThrownBy(() -> ap("a/b", MergePolicy.LWW)).hasMessageContaining("name");
    assertThatThrownBy(() -> ap("..", MergePolicy.LWW)).hasMessageContaining("name");
    assertThatThrownBy(() -> new KeyspaceCommand.Declare("x", KeyspaceMode.AP, Optional.of(MergePolicy.LWW), 5))
        .hasMessageContaining("grace");
  }

  @Test
  void keyspaceKeysNeverCollideWithDefaultKeys() {
    assertThat(KeyspaceKeys.stored("default", "k")).isEqualTo("k");
    String stored = KeyspaceKeys.stored("orders", "k");
    assertThat(stored).isNotEqualTo("k").startsWith("\u0000");
    assertThat(KeyspaceKeys.allowedAsDefaultKey(stored)).isFalse();
    assertThat(KeyspaceKeys.visible(stored)).isEqualTo("k");
    assertThat(KeyspaceKeys.visible(KeyspaceKeys.stored("orders", "a\u0000b"))).isEqualTo("a\u0000b");
  }

  @Test
  void commandsAndResultsRoundTrip() {
    KeyspaceCommand.Declare d = new KeyspaceCommand.Declare("drift", KeyspaceMode.AP, Optional.of(MergePolicy.MANUAL), 7);
    byte[] bytes = KeyspaceCodec.encodeCommand(d);
    assertThat(KeyspaceCodec.isKeyspaceCommand(bytes)).isTrue();
    assertThat(KeyspaceCodec.decodeCommand(bytes)).isEqualTo(d);
    KeyspaceResult r = new KeyspaceResult.Refused(d.at(3), cp("drift", KeyspaceMode.CP), 9);
    assertThat(KeyspaceCodec.decodeResult(KeyspaceCodec.encodeResult(r))).isEqualTo(r);
    assertThatThrownBy(() -> KeyspaceCodec.decodeCommand(Arrays.copyOf(bytes, bytes.length - 1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void snapshotsCarryKeyspacesAndVersionThreeSnapshotsAreStillRead() throws IOException {
    RegistryState state = new RegistryState();
    state.apply(KvCommand.Put.of("a", "1"));
    ByteArrayOutputStream v3 = new ByteArrayOutputStream();
    RegistryCodec.writeSnapshot(state, v3);
    state.apply(ap("presence", MergePolicy.CRDT));
    state.apply(cp("orders", KeyspaceMode.CP_STALE_READS));
    ByteArrayOutputStream v4 = new ByteArrayOutputStream();
    RegistryCodec.writeSnapshot(state, v4);
    RegistryState restored = RegistryCodec.readSnapshot(new ByteArrayInputStream(v4.toByteArray()));
    assertThat(restored.keyspaces().all()).isEqualTo(state.keyspaces().all());
    assertThat(restored.revision()).isEqualTo(3);

    // A version-3 snapshot is a version-4 one without the keyspace count, with version byte 3.
    byte[] four = v3.toByteArray();
    byte[] body = Arrays.copyOf(four, four.length - 8 - 4);
    body[4] = 3;
    CRC32C crc = new CRC32C();
    crc.update(body);
    byte[] three = ByteBuffer.allocate(body.length + 8).put(body).putLong(crc.getValue()).array();
    RegistryState old = RegistryCodec.readSnapshot(new ByteArrayInputStream(three));
    assertThat(old.kv().get("a")).isPresent();
    assertThat(old.keyspaces().all()).extracting(Keyspace::name).containsExactly("default");
  }
}
