package io.splitguard.client;

/**
 * {@code BAD_REQUEST} (400): the node rejected the input (for example a key or value over the
 * configured size limit); {@link #detail()} says what and where. The request did not apply. Not
 * retried.
 */
public final class BadRequestException extends SplitGuardException {

  private static final long serialVersionUID = 1L;

  BadRequestException(Problem problem) {
    super(problem, null);
  }
}
