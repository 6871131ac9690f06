package io.splitguard.server.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Extracts a key from the raw (still percent-encoded) request path. Keys may contain {@code /}
 * (sent as {@code %2F}) and any UTF-8; we decode the raw path ourselves so that the servlet
 * container's path normalisation can never change which key a request names.
 */
final class KeyPath {
  private KeyPath() {}

  /**
   * Decodes the part of {@code rawPath} after {@code prefix}.
   *
   * @throws ProblemException BAD_REQUEST if the key is empty, badly encoded, not UTF-8 or too long
   */
  static String key(String rawPath, String prefix, int maxKeyBytes) {
    return name(rawPath, prefix, maxKeyBytes, "key");
  }

  /**
   * As {@link #key}, for other named things in a path (a lock, a guarded resource): messages
   * name {@code field} instead of {@code key}.
   */
  static String name(String rawPath, String prefix, int maxKeyBytes, String field) {
    if (!rawPath.startsWith(prefix)) {
      throw ProblemException.badRequest(field + ": path must start with " + prefix);
    }
    String encoded = rawPath.substring(prefix.length());
    if (isPlainAscii(encoded)) {
      // The common case on the read path: nothing to decode, one byte per character.
      requireSize(encoded.length(), maxKeyBytes, field);
      return encoded;
    }
    byte[] bytes = percentDecode(encoded, field);
    requireSize(bytes.length, maxKeyBytes, field);
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw ProblemException.badRequest(field + ": not valid UTF-8 after percent-decoding");
    }
  }

  private static void requireSize(int bytes, int maxKeyBytes, String field) {
    if (bytes == 0) {
      throw ProblemException.badRequest(field + ": must not be empty");
    }
    if (bytes > maxKeyBytes) {
      throw ProblemException.badRequest(
          field + ": " + bytes + " bytes exceeds the limit of " + maxKeyBytes + " bytes")
          .with("limit", maxKeyBytes);
    }
  }

  /** Whether {@code s} is ASCII without percent-escapes, so it decodes to itself. */
  private static boolean isPlainAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' || c > 0x7f) {
        return false;
      }
    }
    return true;
  }

  private static byte[] percentDecode(String s, String field) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          throw ProblemException.badRequest(field + ": truncated percent-escape at position " + i);
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw ProblemException.badRequest(field + ": invalid percent-escape at position " + i);
        }
        out.write(hi * 16 + lo);
        i += 2;
      } else if (c > 0x7f) {
        // Containers may hand us raw UTF-8 characters; keep them as their UTF-8 bytes.
        int codePoint = s.codePointAt(i);
        byte[] b = new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
        i += Character.charCount(codePoint) - 1;
      } else {
        out.write(c);
      }
    }
    return out.toByteArray();
  }
}
