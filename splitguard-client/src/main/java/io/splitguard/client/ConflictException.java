package io.splitguard.client;

import java.util.OptionalLong;

/**
 * {@code CONFLICT} (409): a compare-and-set precondition ({@code If-Match}) did not hold. The write
 * did not apply. Not retried: the caller must re-read and decide.
 */
public final class ConflictException extends SplitGuardException {

  private static final long serialVersionUID = 1L;

  // A boxed Long keeps the field serializable; OptionalLong is not.
  private final Long currentRevision;

  ConflictException(Problem problem, Long currentRevision) {
    super(problem, null);
    this.currentRevision = currentRevision;
  }

  /**
   * The key's current modification revision if the node reported it ({@code 0} means the key does
   * not exist).
   */
  public OptionalLong currentRevision() {
    return currentRevision == null ? OptionalLong.empty() : OptionalLong.of(currentRevision);
  }
}
