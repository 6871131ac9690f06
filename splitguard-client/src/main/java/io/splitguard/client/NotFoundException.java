package io.splitguard.client;

/**
 * {@code NOT_FOUND} (404): the named key (or object) does not exist. Thrown by {@link
 * SplitGuardClient#delete} for a missing key; {@link SplitGuardClient#get} returns an empty
 * {@code Optional} instead. Not retried.
 */
public final class NotFoundException extends SplitGuardException {

  private static final long serialVersionUID = 1L;

  NotFoundException(Problem problem) {
    super(problem, null);
  }
}
