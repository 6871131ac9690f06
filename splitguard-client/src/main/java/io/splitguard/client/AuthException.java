package io.splitguard.client;

/**
 * {@code UNAUTHORIZED} (401) or {@code FORBIDDEN} (403): the caller is not authenticated, or its
 * role does not allow the request. The request did not apply. Not retried.
 */
public final class AuthException extends SplitGuardException {

  private static final long serialVersionUID = 1L;

  AuthException(Problem problem) {
    super(problem, null);
  }

  /** {@code true} for {@code FORBIDDEN} (authenticated but not allowed). */
  public boolean forbidden() {
    return "FORBIDDEN".equals(code());
  }
}
