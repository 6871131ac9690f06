package io.splitguard.server.http;

import io.splitguard.core.keyspace.Keyspace;

/**
 * Parses the raw (percent-encoded) paths under {@code /v1/keyspaces/}: the keyspace name, which
 * kind of value is addressed, and its decoded key. Parsed by hand, like {@link KeyPath}, so that a
 * key may contain {@code /}.
 *
 * <p>A key path ending in an unencoded {@code /history} or {@code /resolve} names that
 * sub-resource of the key; a key that itself ends in such a segment must encode its slash as
 * {@code %2F}.
 *
 * @param keyspace the keyspace name (validated)
 * @param kind what is addressed
 * @param key the decoded key (counter or set name), or {@code null} for {@link Kind#KEYSPACE}
 */
record KeyspacePath(String keyspace, Kind kind, String key) {
  static final String PREFIX = "/v1/keyspaces/";

  /** What a path under a keyspace addresses. */
  enum Kind {
    /** The keyspace itself. */
    KEYSPACE,
    /** A value under {@code /kv/}. */
    KV,
    /** A key's superseded values, {@code /kv/{key}/history}. */
    HISTORY,
    /** Resolving a conflict, {@code /kv/{key}/resolve}. */
    RESOLVE,
    /** A PN-counter under {@code /counters/}. */
    COUNTER,
    /** An OR-set under {@code /sets/}. */
    SET
  }

  /**
   * Parses {@code rawPath}.
   *
   * @throws ProblemException BAD_REQUEST naming {@code keyspace} or {@code key}; NOT_FOUND for a
   *     path that names no endpoint
   */
  static KeyspacePath parse(String rawPath, int maxKeyBytes) {
    String rest = rawPath.substring(PREFIX.length());
    int slash = rest.indexOf('/');
    String name = slash < 0 ? rest : rest.substring(0, slash);
    String problem = Keyspace.nameProblem(name);
    if (problem != null) {
      throw ProblemException.badRequest("keyspace: " + problem);
    }
    if (slash < 0 || slash == rest.length() - 1) {
      return new KeyspacePath(name, Kind.KEYSPACE, null);
    }
    String sub = rest.substring(slash + 1);
    String base = PREFIX + name + "/";
    if (sub.startsWith("kv/")) {
      String rawKey = sub.substring(3);
      Kind kind = Kind.KV;
      if (rawKey.endsWith("/history") && rawKey.length() > "/history".length()) {
        kind = Kind.HISTORY;
        rawKey = rawKey.substring(0, rawKey.length() - "/history".length());
      } else if (rawKey.endsWith("/resolve") && rawKey.length() > "/resolve".length()) {
        kind = Kind.RESOLVE;
        rawKey = rawKey.substring(0, rawKey.length() - "/resolve".length());
      }
      return new KeyspacePath(name, kind, KeyPath.key(base + "kv/" + rawKey, base + "kv/", maxKeyBytes));
    }
    if (sub.startsWith("counters/")) {
      return new KeyspacePath(name, Kind.COUNTER, KeyPath.name(rawPath, base + "counters/", maxKeyBytes, "name"));
    }
    if (sub.startsWith("sets/")) {
      return new KeyspacePath(name, Kind.SET, KeyPath.name(rawPath, base + "sets/", maxKeyBytes, "name"));
    }
    throw new ProblemException(ErrorCode.NOT_FOUND,
        "no such endpoint under keyspace '" + name + "': expected /kv/{key}, /counters/{name} or /sets/{name}");
  }
}
