package io.splitguard.client;

import java.util.Objects;

/**
 * A lock's lease as a node reported it. Times ({@code expiresAtMs}) are on the cluster's
 * replicated clock (the leader's wall clock, never moving backwards), in milliseconds since the
 * epoch; they are informational. A holder must judge its own lease with its local monotonic clock
 * ({@link LockHandle#isValid()}), never by comparing these with its own wall clock.
 *
 * @param name the lock's name
 * @param owner who acquired it
 * @param token the fencing token: the registry revision at which the lease was granted
 * @param ttlMs the lease's time to live, or {@code -1} if the answer did not say
 * @param expiresAtMs replicated time from which the lease is expired
 * @param expired whether the lease was expired when the node answered (reads only; {@code false}
 *     in answers to acquire and keep-alive)
 * @param remainingMs replicated milliseconds left when the node answered, or {@code -1} if the
 *     answer did not say
 * @param stale {@code true} if a {@link Consistency#STALE} read was answered from local state
 * @param appliedIndex for a stale answer, the log index the node had applied; {@code -1} otherwise
 */
public record LockInfo(
    String name,
    String owner,
    long token,
    long ttlMs,
    long expiresAtMs,
    boolean expired,
    long remainingMs,
    boolean stale,
    long appliedIndex) {

  /** Checks that name and owner are present. */
  public LockInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(owner, "owner");
  }
}
