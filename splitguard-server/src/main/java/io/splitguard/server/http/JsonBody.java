package io.splitguard.server.http;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Locale;
import java.util.Set;

/**
 * A request body that must be a JSON object with known fields. Every refusal is a {@code
 * BAD_REQUEST} whose detail starts with the field at fault ({@code body}, or the field's name), so
 * clients and tests can tell what to fix.
 */
final class JsonBody {
  private final JsonNode body;

  private JsonBody(JsonNode body) {
    this.body = body;
  }

  /**
   * Parses {@code raw} as a JSON object that has only {@code allowed} fields.
   *
   * @param example the expected shape, quoted in messages, like {@code {"token": 7}}
   * @throws ProblemException BAD_REQUEST naming {@code body} if it is empty, malformed, not an
   *     object, or has an unknown field
   */
  static JsonBody parse(ObjectMapper json, byte[] raw, Set<String> allowed, String example) {
    if (raw.length == 0) {
      throw ProblemException.badRequest("body: required, expected " + example);
    }
    JsonNode body;
    try {
      body = json.readTree(raw);
    } catch (JsonParseException e) {
      throw ProblemException.badRequest("body: malformed JSON at line " + e.getLocation().getLineNr()
          + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      throw ProblemException.badRequest("body: malformed JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ProblemException.badRequest("body: unreadable: " + e.getMessage());
    }
    if (body == null || !body.isObject()) {
      throw ProblemException.badRequest("body: must be a JSON object " + example);
    }
    for (var it = body.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!allowed.contains(field)) {
        throw ProblemException.badRequest("body: unknown field '" + field + "' (expected " + example + ")");
      }
    }
    return new JsonBody(body);
  }

  /** Whether {@code field} is present and not {@code null}. */
  boolean has(String field) {
    JsonNode v = body.get(field);
    return v != null && !v.isNull();
  }

  /** The raw value of {@code field}, or {@code null}. */
  JsonNode raw(String field) {
    return body.get(field);
  }

  /**
   * A required string field of 1 to {@code maxBytes} UTF-8 bytes ({@code allowEmpty} permits 0).
   *
   * @throws ProblemException BAD_REQUEST naming the field
   */
  String string(String field, int maxBytes, boolean allowEmpty) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      throw ProblemException.badRequest(field + ": required");
    }
    if (!v.isTextual()) {
      throw ProblemException.badRequest(field + ": must be a JSON string, got " + type(v));
    }
    String text = v.textValue();
    if (text.isEmpty() && !allowEmpty) {
      throw ProblemException.badRequest(field + ": must not be empty");
    }
    int bytes = utf8Length(text);
    if (bytes > maxBytes) {
      throw ProblemException.badRequest(field + ": " + bytes + " bytes exceeds the limit of "
          + maxBytes + " bytes").with("limit", maxBytes);
    }
    return text;
  }

  /**
   * A required integer field within {@code [min, max]}.
   *
   * @throws ProblemException BAD_REQUEST naming the field, with {@code min} and {@code max}
   */
  long integer(String field, long min, long max, String unit) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      throw ProblemException.badRequest(field + ": required");
    }
    if (!v.isIntegralNumber()) {
      throw ProblemException.badRequest(field + ": must be an integer, got "
          + (v.isNumber() ? "a non-integer number" : type(v)));
    }
    if (!v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
      throw ProblemException.badRequest(field + ": must be between " + min + " and " + max + unit
          + ", got " + v.asText()).with("min", min).with("max", max);
    }
    return v.longValue();
  }

  private static String type(JsonNode v) {
    return v.getNodeType().name().toLowerCase(Locale.ROOT);
  }

  /** UTF-8 length without encoding: a lone surrogate counts as the 3 bytes Jackson would write. */
  static int utf8Length(String s) {
    int bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }
}
