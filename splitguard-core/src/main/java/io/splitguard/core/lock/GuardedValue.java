package io.splitguard.core.lock;

import java.util.Objects;

/**
 * The state of a guarded resource (a fenced register): the last value accepted and the token it
 * was written with, which is the highest token the resource has accepted.
 *
 * @param resource the resource's name
 * @param value the last accepted value
 * @param token the token of the last accepted write: the highest accepted so far
 * @param revision the registry's global revision at which that write applied
 */
public record GuardedValue(String resource, String value, long token, long revision) {
  /** Validates the fields. */
  public GuardedValue {
    Objects.requireNonNull(resource, "resource");
    Objects.requireNonNull(value, "value");
    if (token <= 0) {
      throw new IllegalArgumentException("token must be positive, got " + token);
    }
    if (revision <= 0) {
      throw new IllegalArgumentException("revision must be positive, got " + revision);
    }
  }
}
