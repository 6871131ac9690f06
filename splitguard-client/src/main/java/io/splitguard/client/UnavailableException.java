package io.splitguard.client;

/**
 * No endpoint served the request before the overall deadline. Every attempt failed in a way that
 * proves the request did not apply: the connection could not be made, or a node answered {@code
 * PARTITIONED} or {@code NOT_LEADER} (for reads, also any failure at all). So a write that ends in
 * this exception did <em>not</em> apply.
 *
 * <p>{@link #getCause()} is the failure of the last attempt: a {@link SplitGuardException} such as
 * {@link PartitionedException} when a node answered, or the I/O exception (for example {@link
 * java.net.ConnectException}) when none did. It is also thrown, with an {@link
 * InterruptedException} as cause and the thread's interrupt flag set again, when the calling
 * thread is interrupted while backing off between attempts.
 */
public final class UnavailableException extends SplitGuardException {

  private static final long serialVersionUID = 1L;

  private final int attempts;

  UnavailableException(Problem problem, int attempts, Throwable lastFailure) {
    super(problem, lastFailure);
    this.attempts = attempts;
  }

  /** How many requests were sent or tried before giving up. */
  public int attempts() {
    return attempts;
  }
}
