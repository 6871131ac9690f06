package io.splitguard.client;

import java.util.Optional;

/**
 * Told when a {@link LockHandle} loses its lease. Called at most once per handle, on one of the
 * client's keep-alive threads; it should return quickly (hand heavy work to another thread) and
 * must not block on the client. Not called after {@link LockHandle#release()} or {@link
 * LockHandle#close()}.
 */
@FunctionalInterface
public interface LockListener {

  /**
   * The lease was lost. From now on {@link LockHandle#isValid()} is {@code false}: stop every side
   * effect that relied on the lock. Writes through {@link SplitGuardClient#guardedPut} with the old
   * token are refused once a newer holder has written.
   *
   * @param handle the handle that lost its lease
   * @param reason why
   * @param cause the last failure of a keep-alive, if any ({@link FencedException} for {@link
   *     LostReason#REFUSED})
   */
  void lost(LockHandle handle, LostReason reason, Optional<SplitGuardException> cause);

  /** Why a lease was lost. */
  enum LostReason {
    /**
     * The handle's local validity ran out: no keep-alive succeeded in time (the cluster was
     * unreachable, partitioned or too slow). The lease may still exist in the cluster for a short
     * while, but this holder can no longer prove it, so it must act as if it had lost it.
     */
    EXPIRED,
    /**
     * The cluster refused a keep-alive with {@code FENCED}: the lease had expired there, or the
     * lock was released or granted to someone else.
     */
    REFUSED
  }
}
