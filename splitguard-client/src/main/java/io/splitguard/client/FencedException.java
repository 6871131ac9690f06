package io.splitguard.client;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code FENCED} (409): the presented fencing token no longer counts. For a guarded write, the
 * resource has accepted a newer token ({@link #highestToken()}); for a keep-alive or release, the
 * token does not hold the lock (any more): its lease expired, was released, or the lock was
 * granted again ({@link #reason()}, {@link #currentToken()}). Either way the caller has lost the
 * lock it acted under. The request did not apply. Not retried.
 */
public final class FencedException extends SplitGuardException {

  private static final long serialVersionUID = 1L;

  // Boxed values keep the fields serializable; the Optional types are not.
  private final Long highestToken;
  private final Long currentToken;
  private final String reason;

  FencedException(Problem problem) {
    this(problem, null, null, null);
  }

  FencedException(Problem problem, Long highestToken, Long currentToken, String reason) {
    super(problem, null);
    this.highestToken = highestToken;
    this.currentToken = currentToken;
    this.reason = reason;
  }

  /** For a refused guarded write: the highest token the resource has accepted. */
  public OptionalLong highestToken() {
    return highestToken == null ? OptionalLong.empty() : OptionalLong.of(highestToken);
  }

  /** For a refused keep-alive or release: the token of the lock's current lease record, if any. */
  public OptionalLong currentToken() {
    return currentToken == null ? OptionalLong.empty() : OptionalLong.of(currentToken);
  }

  /**
   * For a refused keep-alive or release, why the token does not hold the lock: {@code NOT_HELD},
   * {@code EXPIRED}, {@code SUPERSEDED} or {@code UNKNOWN_TOKEN}.
   */
  public Optional<String> reason() {
    return Optional.ofNullable(reason);
  }
}
