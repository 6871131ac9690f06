package io.splitguard.client;

import java.time.Duration;
import java.util.Optional;

/**
 * {@code PARTITIONED} (503): the node is on a side of a partition without quorum and refused a CP
 * write or a linearizable read. The request did not apply.
 *
 * <p>The client retries these on another node by itself; callers normally see this only as the
 * {@linkplain UnavailableException#getCause() cause} of an {@link UnavailableException}.
 */
public final class PartitionedException extends SplitGuardException {

  private static final long serialVersionUID = 1L;

  private final Duration retryAfter;

  PartitionedException(Problem problem, Duration retryAfter) {
    super(problem, null);
    this.retryAfter = retryAfter;
  }

  /** The node's {@code Retry-After} hint, if it sent one in seconds. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
