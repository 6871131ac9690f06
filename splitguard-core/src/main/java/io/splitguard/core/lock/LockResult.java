package io.splitguard.core.lock;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of applying a {@link LockCommand}. Refusals (a held lock, a token that does not
 * hold the lock, a fenced guarded write) are results, not exceptions: every replica computes the
 * same result for the same command.
 */
public sealed interface LockResult
    permits LockResult.Granted,
        LockResult.Held,
        LockResult.Extended,
        LockResult.Released,
        LockResult.NotHolder,
        LockResult.Observed,
        LockResult.GuardedWritten,
        LockResult.GuardedFenced {

  /** The registry's global revision after the command (unchanged if it changed no data). */
  long revision();

  /** The acquire was granted; {@code lease.token()} is the new global revision. */
  record Granted(Lease lease, long revision) implements LockResult {}

  /**
   * The acquire was refused: {@code holder} holds an unexpired lease at replicated time {@code
   * clockMs}.
   */
  record Held(Lease holder, long clockMs, long revision) implements LockResult {}

  /** The keep-alive applied; {@code lease} has its new expiry. */
  record Extended(Lease lease, long revision) implements LockResult {}

  /** The release applied; {@code previous} is the lease that ended. */
  record Released(Lease previous, long revision) implements LockResult {}

  /**
   * A keep-alive or release was refused because {@code token} does not hold an unexpired lease on
   * lock {@code name}. Nothing changed.
   *
   * @param current the lock's lease record at that point, if any (it may be expired, and it may
   *     carry {@code token} itself when that lease has expired)
   * @param clockMs the replicated clock when the command applied
   */
  record NotHolder(String name, long token, Optional<Lease> current, long clockMs, long revision)
      implements LockResult {
    /** Null checks. */
    public NotHolder {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(current, "current");
    }

    /** Why the token does not hold the lock. */
    public Reason reason() {
      if (current.isEmpty()) {
        return Reason.NOT_HELD;
      }
      long held = current.get().token();
      if (held == token) {
        return Reason.EXPIRED;
      }
      return held > token ? Reason.SUPERSEDED : Reason.UNKNOWN_TOKEN;
    }

    /** Why a token does not hold a lock. */
    public enum Reason {
      /** The lock is free: never acquired, or released. */
      NOT_HELD,
      /** The token's lease has expired (and nobody acquired the lock since). */
      EXPIRED,
      /** The lock was granted again, under a newer token, after this token's lease ended. */
      SUPERSEDED,
      /** The token was never granted for this lock: it is newer than the lock's lease. */
      UNKNOWN_TOKEN
    }
  }

  /**
   * An ordered read: the lock's lease record (possibly expired) at replicated time {@code
   * clockMs}.
   */
  record Observed(String name, Optional<Lease> lease, long clockMs, long revision)
      implements LockResult {
    /** Null checks. */
    public Observed {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(lease, "lease");
    }

    /** Whether there is a lease and it is expired at {@code clockMs}. */
    public boolean expired() {
      return lease.isPresent() && lease.get().isExpiredAt(clockMs);
    }
  }

  /** The guarded write applied. */
  record GuardedWritten(GuardedValue value, long revision) implements LockResult {}

  /**
   * The guarded write was refused: {@code token} is lower than {@code highestToken}, the highest
   * token the resource has accepted. Nothing changed.
   */
  record GuardedFenced(String resource, long token, long highestToken, long revision)
      implements LockResult {}
}
