package io.splitguard.client;

import java.util.Objects;
import java.util.Optional;

/**
 * A declared keyspace as a node reported it.
 *
 * @param name the keyspace name
 * @param mode {@code CP}, {@code CP_STALE_READS} or {@code AP}
 * @param merge for AP keyspaces, {@code LWW}, {@code CRDT} or {@code MANUAL}
 * @param graceMs for MANUAL keyspaces, the grace period; {@code -1} otherwise
 * @param declaredRevision the registry revision of the declaration (0 for {@code default})
 */
public record KeyspaceInfo(String name, String mode, Optional<String> merge, long graceMs, long declaredRevision) {
  /** Checks that the fields are present. */
  public KeyspaceInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(merge, "merge");
  }
}
