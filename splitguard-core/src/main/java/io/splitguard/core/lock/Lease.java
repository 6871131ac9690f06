package io.splitguard.core.lock;

import java.util.Objects;

/**
 * A lock's lease as the replicated state machine records it. All times are on the registry's
 * <em>replicated clock</em> (milliseconds, the maximum of the leader-stamped times seen in the
 * log; see {@link LockTable}), never on any single node's clock.
 *
 * <p>These fields are also what a node needs to fence itself when it loses quorum while its
 * clients hold locks: who holds what, under which token, and until when.
 *
 * @param name the lock's name
 * @param owner who acquired it (free text chosen by the client; not an identity)
 * @param token the fencing token: the registry's global revision at which the lease was granted;
 *     strictly greater than every token granted before it, for any lock
 * @param ttlMs the time to live each grant or keep-alive gives, in milliseconds
 * @param grantedAtMs replicated time of the grant
 * @param expiresAtMs replicated time from which the lease is expired: it is valid while the
 *     replicated clock is strictly below this value
 */
public record Lease(
    String name, String owner, long token, long ttlMs, long grantedAtMs, long expiresAtMs) {

  /** Validates the fields. */
  public Lease {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(owner, "owner");
    if (token <= 0) {
      throw new IllegalArgumentException("token must be positive, got " + token);
    }
    if (ttlMs <= 0) {
      throw new IllegalArgumentException("ttlMs must be positive, got " + ttlMs);
    }
    if (expiresAtMs < grantedAtMs) {
      throw new IllegalArgumentException(
          "lease " + name + " expires (" + expiresAtMs + ") before it was granted (" + grantedAtMs + ")");
    }
  }

  /** Whether the lease is expired when the replicated clock reads {@code clockMs}. */
  public boolean isExpiredAt(long clockMs) {
    return clockMs >= expiresAtMs;
  }

  /** The same lease, extended to {@code clockMs + ttlMs}. */
  Lease renewedAt(long clockMs) {
    return new Lease(name, owner, token, ttlMs, grantedAtMs, Math.max(expiresAtMs, plus(clockMs, ttlMs)));
  }

  static long plus(long a, long b) {
    long sum = a + b;
    // Saturate instead of wrapping: a wrapped expiry would be in the past.
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }
}
