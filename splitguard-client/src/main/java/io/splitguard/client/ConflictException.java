package io.splitguard.client;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code CONFLICT} (409): a compare-and-set precondition ({@code If-Match}) did not hold, or a lock
 * is held by an unexpired lease ({@link #holder()}). The write did not apply. Not retried: the
 * caller must re-read and decide (or try to acquire the lock again later).
 */
public final class ConflictException extends SplitGuardException {

  private static final long serialVersionUID = 1L;

  // A boxed Long keeps the field serializable; OptionalLong is not.
  private final Long currentRevision;
  private final LockInfo holder;

  ConflictException(Problem problem, Long currentRevision) {
    this(problem, currentRevision, null);
  }

  ConflictException(Problem problem, Long currentRevision, LockInfo holder) {
    super(problem, null);
    this.currentRevision = currentRevision;
    this.holder = holder;
  }

  /**
   * For a refused lock acquisition: the current holder's lease (owner, token, expiry) as the
   * node reported it.
   */
  public Optional<LockInfo> holder() {
    return Optional.ofNullable(holder);
  }

  /**
   * The key's current modification revision if the node reported it ({@code 0} means the key does
   * not exist).
   */
  public OptionalLong currentRevision() {
    return currentRevision == null ? OptionalLong.empty() : OptionalLong.of(currentRevision);
  }
}
