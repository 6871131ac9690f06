package io.splitguard.client;

import java.util.Optional;

/**
 * {@code NOT_LEADER} (503): the node could not forward the request to the leader. The request did
 * not apply.
 *
 * <p>The client retries these by itself, on the hinted leader if the hint names one of its
 * endpoints; callers normally see this only as the {@linkplain UnavailableException#getCause()
 * cause} of an {@link UnavailableException}.
 */
public final class NotLeaderException extends SplitGuardException {

  private static final long serialVersionUID = 1L;

  private final String leader;
  private final String leaderAddress;

  NotLeaderException(Problem problem, String leader, String leaderAddress) {
    super(problem, null);
    this.leader = leader;
    this.leaderAddress = leaderAddress;
  }

  /** The problem's {@code leader} field: the leader's node id, if the node knew a leader. */
  public Optional<String> leader() {
    return Optional.ofNullable(leader);
  }

  /**
   * The problem's {@code leaderAddress} field: the leader's API address ({@code host:port}), if
   * the node knew a leader and its address.
   */
  public Optional<String> leaderAddress() {
    return Optional.ofNullable(leaderAddress);
  }

  /**
   * Where the leader can be reached, as the client uses it to pick the next endpoint: {@link
   * #leaderAddress()}, or else {@link #leader()}. The address comes first because a node id only
   * matches a configured endpoint if the operator happened to use ids as host names, whereas the
   * address names an endpoint directly; the id is still tried for nodes that send nothing else.
   */
  public Optional<String> leaderHint() {
    return leaderAddress != null ? Optional.of(leaderAddress) : Optional.ofNullable(leader);
  }
}
