package io.splitguard.server.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Reads one parameter from a raw query string. The read path asks for a single parameter
 * ({@code consistency}); parsing the whole query into a map of lists for that, as the framework
 * does, cost about 5% of a node's CPU under a stale-read load.
 */
final class QueryString {
  private QueryString() {}

  /**
   * The first value of {@code name} in {@code rawQuery} (as sent, still encoded), decoded as a
   * form parameter; {@code ""} for a name without {@code =}; null if absent or no query.
   */
  static String first(String rawQuery, String name) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return null;
    }
    int start = 0;
    while (start <= rawQuery.length()) {
      int end = rawQuery.indexOf('&', start);
      if (end < 0) {
        end = rawQuery.length();
      }
      int eq = rawQuery.indexOf('=', start);
      int nameEnd = eq >= 0 && eq < end ? eq : end;
      if (decode(rawQuery.substring(start, nameEnd)).equals(name)) {
        return nameEnd == end ? "" : decode(rawQuery.substring(nameEnd + 1, end));
      }
      start = end + 1;
    }
    return null;
  }

  private static String decode(String part) {
    if (part.indexOf('%') < 0 && part.indexOf('+') < 0) {
      return part;
    }
    try {
      return URLDecoder.decode(part, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw ProblemException.badRequest("query: invalid percent-escape in '" + part + "'");
    }
  }
}
