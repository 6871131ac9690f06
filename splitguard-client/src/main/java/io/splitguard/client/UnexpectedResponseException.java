package io.splitguard.client;

/**
 * The node answered something this client cannot interpret: an error without a known problem
 * code (for example a 404 from something that is not a SplitGuard node), a redirect, or a success
 * whose body is not the documented JSON. Not retried for writes (a 5xx of this kind on a write is
 * reported as {@link OutcomeUnknownException} instead); reads are retried on 5xx.
 *
 * <p>{@link #code()} is the answer's problem code if it had an unknown one, otherwise {@code
 * UNEXPECTED_RESPONSE}.
 */
public final class UnexpectedResponseException extends SplitGuardException {

  private static final long serialVersionUID = 1L;

  UnexpectedResponseException(Problem problem) {
    super(problem, null);
  }
}
