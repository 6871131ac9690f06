package io.splitguard.client;

import java.util.Objects;

/**
 * The state of a guarded resource (a fenced register) as a node reported it.
 *
 * @param resource the resource's name
 * @param value the last accepted value
 * @param token the token of the last accepted write: the highest the resource has accepted
 * @param revision the registry revision of that write
 * @param stale {@code true} if a {@link Consistency#STALE} read was answered from local state
 * @param appliedIndex for a stale answer, the log index the node had applied; {@code -1} otherwise
 */
public record GuardedValue(
    String resource, String value, long token, long revision, boolean stale, long appliedIndex) {

  /** Checks that resource and value are present. */
  public GuardedValue {
    Objects.requireNonNull(resource, "resource");
    Objects.requireNonNull(value, "value");
  }
}
