package io.splitguard.core.keyspace;

/**
 * Where a CP keyspace's values live in the registry's single key-value store.
 *
 * <p>Keys of a declared CP keyspace are stored as {@code U+0000 keyspace U+0000 key}; {@code
 * default} keys are stored as they are. The two cannot collide because a keyspace name never
 * contains U+0000 and the HTTP layer refuses {@code default} keys that start with U+0000 (a
 * reserved prefix). One store keeps one global revision for all CP keyspaces, so revisions,
 * compare-and-set and fencing tokens work the same in every keyspace, and the replicated command
 * and snapshot formats of key-value entries stay as they were.
 */
public final class KeyspaceKeys {
  /** The first character of every stored key that belongs to a declared keyspace. */
  public static final char RESERVED = '\u0000';

  private KeyspaceKeys() {}

  /** The stored key of {@code key} in keyspace {@code keyspace}. */
  public static String stored(String keyspace, String key) {
    if (keyspace.equals(Keyspace.DEFAULT)) {
      return key;
    }
    return RESERVED + keyspace + RESERVED + key;
  }

  /** The key as clients see it, given its stored form. */
  public static String visible(String stored) {
    if (stored.isEmpty() || stored.charAt(0) != RESERVED) {
      return stored;
    }
    return stored.substring(stored.indexOf(RESERVED, 1) + 1);
  }

  /** Whether {@code key} may be used as a {@code default} key (it does not use the reserved prefix). */
  public static boolean allowedAsDefaultKey(String key) {
    return key.isEmpty() || key.charAt(0) != RESERVED;
  }
}
