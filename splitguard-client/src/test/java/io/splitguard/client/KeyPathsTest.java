package io.splitguard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KeyPathsTest {

  @Test
  void slashAndSpace_areEncoded() {
    assertThat(KeyPaths.kv("a/b c")).isEqualTo("/v1/kv/a%2Fb%20c");
  }

  @Test
  void unreservedCharacters_areKept() {
    String unreserved = "AZaz09-._~";
    assertThat(KeyPaths.encodeSegment(unreserved)).isEqualTo(unreserved);
  }

  @Test
  void everythingElse_isPercentEncodedUtf8WithUppercaseHex() {
    assertThat(KeyPaths.encodeSegment("+?#%&=:@!$'()*,;[]")).isEqualTo(
        "%2B%3F%23%25%26%3D%3A%40%21%24%27%28%29%2A%2C%3B%5B%5D");
    assertThat(KeyPaths.encodeSegment("é€😀")).isEqualTo("%C3%A9%E2%82%AC%F0%9F%98%80");
  }

  @Test
  void dotSegments_areEncodedSoNothingNormalisesThemAway() {
    assertThat(KeyPaths.encodeSegment(".")).isEqualTo("%2E");
    assertThat(KeyPaths.encodeSegment("..")).isEqualTo("%2E%2E");
    assertThat(KeyPaths.encodeSegment("...")).isEqualTo("...");
  }

  @Test
  void encoding_roundTrips_forRandomKeys() {
    SplittableRandom random = new SplittableRandom(2024);
    for (int i = 0; i < 2000; i++) {
      StringBuilder key = new StringBuilder();
      int length = 1 + random.nextInt(12);
      while (key.length() < length) {
        int cp = random.nextInt(4) == 0 ? random.nextInt(0x20, 0x7F) : random.nextInt(0x20, 0x2FFFF);
        if (Character.isDefined(cp) && !(cp >= 0xD800 && cp <= 0xDFFF)) {
          key.appendCodePoint(cp);
        }
      }
      String encoded = KeyPaths.encodeSegment(key.toString());
      assertThat(encoded).matches("[A-Za-z0-9._~%-]+").doesNotContain("/");
      // URLDecoder is form decoding, which is only safe here because '+' is always encoded.
      assertThat(URLDecoder.decode(encoded, StandardCharsets.UTF_8)).isEqualTo(key.toString());
    }
  }

  @Test
  void emptyKeyAndUnpairedSurrogate_areRejected() {
    assertThatThrownBy(() -> KeyPaths.kv("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> KeyPaths.kv("a\uD800b")).isInstanceOf(IllegalArgumentException.class);
  }
}
