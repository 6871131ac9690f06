package io.splitguard.client;

/**
 * {@code FENCED} (409): the presented fencing token is older than one the resource has already
 * seen, so the caller has lost the lock or leadership it acted under. The request did not apply.
 * Not retried.
 */
public final class FencedException extends SplitGuardException {

  private static final long serialVersionUID = 1L;

  FencedException(Problem problem) {
    super(problem, null);
  }
}
