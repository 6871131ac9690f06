package io.splitguard.client;

/**
 * The request may or may not have applied. Thrown for a write when:
 *
 * <ul>
 *   <li>the node answered {@code TIMEOUT} (504), or
 *   <li>the request may have reached the node but no answer came back: the request timeout
 *       expired, the connection was lost after sending, or the calling thread was interrupted
 *       while waiting, or
 *   <li>the node answered with a 5xx status that carries no SplitGuard problem code, so nothing
 *       proves the write was refused.
 * </ul>
 *
 * <p>Never retried by the client, because repeating a write whose first copy may have applied
 * could apply it twice or overwrite a newer value. To find out, read the key back, or make writes
 * safe to repeat with {@link SplitGuardClient#putIfRevision compare-and-set}. Reads never throw
 * it: they are retried, and if the deadline runs out it may appear as the {@linkplain
 * UnavailableException#getCause() cause} of an {@link UnavailableException}.
 *
 * <p>{@link #code()} is {@code TIMEOUT} when there was no answer, or the answer's own code.
 */
public final class OutcomeUnknownException extends SplitGuardException {

  private static final long serialVersionUID = 1L;

  OutcomeUnknownException(Problem problem, Throwable cause) {
    super(problem, cause);
  }
}
