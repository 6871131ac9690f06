package io.splitguard.server.ap;

import io.splitguard.core.keyspace.Keyspace;
import java.util.Objects;

/**
 * The identity of one AP value: its keyspace and its key (a register key, counter or set name;
 * one namespace per keyspace, so a name holds exactly one type).
 *
 * @param keyspace the keyspace name
 * @param key the key
 */
public record ApKey(String keyspace, String key) implements Comparable<ApKey> {
  private static final char SEPARATOR = '\u0000';

  /** Validates the fields. */
  public ApKey {
    Objects.requireNonNull(keyspace, "keyspace");
    Objects.requireNonNull(key, "key");
    if (Keyspace.nameProblem(keyspace) != null) {
      throw new IllegalArgumentException("keyspace: " + Keyspace.nameProblem(keyspace));
    }
  }

  /**
   * The key the Merkle tree ranges over: keyspace, U+0000, key. Unambiguous because keyspace names
   * never contain U+0000.
   */
  public String treeKey() {
    return keyspace + SEPARATOR + key;
  }

  @Override
  public int compareTo(ApKey o) {
    int c = keyspace.compareTo(o.keyspace);
    return c != 0 ? c : key.compareTo(o.key);
  }
}
