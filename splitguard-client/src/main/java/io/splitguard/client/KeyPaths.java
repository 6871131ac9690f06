package io.splitguard.client;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Builds request paths; keys and names may contain any character, including {@code /}. */
final class KeyPaths {

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private KeyPaths() {}

  /**
   * Percent-encodes {@code segment} as one URI path segment: the UTF-8 bytes of every character
   * except RFC 3986 unreserved ones ({@code A-Z a-z 0-9 - . _ ~}) become {@code %XX}. A {@code /}
   * therefore becomes {@code %2F} and a space {@code %20} (never {@code +}, which is form
   * encoding). The segments {@code .} and {@code ..} are encoded entirely, because a server or
   * proxy that normalises dot-segments would otherwise address a different key.
   */
  static String encodeSegment(String segment) {
    if (segment.equals(".") || segment.equals("..")) {
      return segment.replace(".", "%2E");
    }
    ByteBuffer bytes = utf8(segment);
    StringBuilder sb = new StringBuilder(bytes.remaining() + 16);
    while (bytes.hasRemaining()) {
      int c = bytes.get() & 0xFF;
      if (isUnreserved(c)) {
        sb.append((char) c);
      } else {
        sb.append('%').append(HEX[c >>> 4]).append(HEX[c & 0xF]);
      }
    }
    return sb.toString();
  }

  // String.getBytes would silently turn an unpaired surrogate into '?', addressing another key.
  private static ByteBuffer utf8(String s) {
    try {
      return StandardCharsets.UTF_8
          .newEncoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .encode(CharBuffer.wrap(s));
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("key is not valid UTF-16 text (unpaired surrogate)", e);
    }
  }

  private static boolean isUnreserved(int c) {
    return (c >= 'A' && c <= 'Z')
        || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '.'
        || c == '_'
        || c == '~';
  }

  /** {@code /v1/locks/{name}} with the name encoded. */
  static String lock(String name) {
    if (name.isEmpty()) {
      throw new IllegalArgumentException("lock name must not be empty");
    }
    return "/v1/locks/" + encodeSegment(name);
  }

  /** {@code /v1/guarded/{resource}} with the resource encoded. */
  static String guarded(String resource) {
    if (resource.isEmpty()) {
      throw new IllegalArgumentException("resource must not be empty");
    }
    return "/v1/guarded/" + encodeSegment(resource);
  }

  /** {@code /v1/kv/{key}} with the key encoded. */
  static String kv(String key) {
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key must not be empty");
    }
    return "/v1/kv/" + encodeSegment(key);
  }

  /** The path of a keyspace declaration. */
  static String keyspace(String name) {
    if (name.isEmpty()) {
      throw new IllegalArgumentException("keyspace name must not be empty");
    }
    return "/v1/keyspaces/" + encodeSegment(name);
  }

  /**
   * {@code /v1/keyspaces/{ks}/{kind}/{name}} with both encoded; {@code kind} is {@code kv},
   * {@code counters} or {@code sets}.
   */
  static String ap(String keyspace, String kind, String name) {
    if (name.isEmpty()) {
      throw new IllegalArgumentException("key must not be empty");
    }
    return keyspace(keyspace) + "/" + kind + "/" + encodeSegment(name);
  }
}
