package io.splitguard.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KeyPathTest {
  @Test
  void decodesPercentEscapesIncludingSlashes() {
    assertThat(KeyPath.key("/v1/kv/a%2Fb%20c", "/v1/kv/", 512)).isEqualTo("a/b c");
    assertThat(KeyPath.key("/v1/kv/plain", "/v1/kv/", 512)).isEqualTo("plain");
    assertThat(KeyPath.key("/v1/kv/%E2%82%AC", "/v1/kv/", 512)).isEqualTo("\u20ac");
    assertThat(KeyPath.key("/v1/kv/a+b", "/v1/kv/", 512)).isEqualTo("a+b");
  }

  @Test
  void aPlainAsciiKeyDecodesAsItsEscapedFormDoes() {
    StringBuilder every = new StringBuilder();
    for (char c = 0x01; c < 0x80; c++) {
      if (c != '%') {
        every.append(c);
      }
    }
    StringBuilder escaped = new StringBuilder();
    for (char c : every.toString().toCharArray()) {
      escaped.append(String.format("%%%02X", (int) c));
    }
    assertThat(KeyPath.key("/v1/kv/" + every, "/v1/kv/", 512)).isEqualTo(every.toString());
    assertThat(KeyPath.key("/v1/kv/" + escaped, "/v1/kv/", 512)).isEqualTo(every.toString());
    assertThat(KeyPath.key("/v1/kv/" + "x".repeat(512), "/v1/kv/", 512)).hasSize(512);
  }

  @Test
  void refusesBadKeysNamingTheField() {
    assertThatThrownBy(() -> KeyPath.key("/v1/kv/", "/v1/kv/", 512)).hasMessage("key: must not be empty");
    assertThatThrownBy(() -> KeyPath.key("/v1/kv/a%zz", "/v1/kv/", 512)).hasMessageContaining("key: invalid percent-escape");
    assertThatThrownBy(() -> KeyPath.key("/v1/kv/a%2", "/v1/kv/", 512)).hasMessageContaining("key: truncated");
    assertThatThrownBy(() -> KeyPath.key("/v1/kv/%FF", "/v1/kv/", 512)).hasMessageContaining("key: not valid UTF-8");
    assertThatThrownBy(() -> KeyPath.key("/v1/kv/" + "x".repeat(513), "/v1/kv/", 512))
        .hasMessageContaining("key: 513 bytes exceeds the limit of 512 bytes");
    // The limit counts UTF-8 bytes, not characters.
    assertThatThrownBy(() -> KeyPath.key("/v1/kv/" + "%E2%82%AC".repeat(171), "/v1/kv/", 512))
        .hasMessageContaining("513 bytes");
  }
}
