package io.splitguard.server.http;

/**
 * The stable error codes of the HTTP API (DESIGN section 4). Clients switch on these, never on
 * the human-readable title or detail.
 */
public enum ErrorCode {
  /** This side has no quorum; CP writes and linearizable reads are refused. */
  PARTITIONED(503, "No quorum reachable from this node"),
  /** Only where forwarding to the leader is impossible. */
  NOT_LEADER(503, "No leader available"),
  /** The presented fencing token is older than one already seen. */
  FENCED(409, "Fencing token is stale"),
  /** A compare-and-set precondition failed. */
  CONFLICT(409, "Precondition failed"),
  /** No such key or resource. */
  NOT_FOUND(404, "Not found"),
  /** Malformed input; the detail says what and where. */
  BAD_REQUEST(400, "Bad request"),
  /** Authentication required. */
  UNAUTHORIZED(401, "Unauthorized"),
  /** Authenticated but not allowed. */
  FORBIDDEN(403, "Forbidden"),
  /** Outcome unknown: the write may or may not have been applied. */
  TIMEOUT(504, "Outcome unknown"),
  /**
   * This node's wall clock is outside the configured offset from the hybrid logical clock: it
   * refuses to stamp an LWW write (the detail says by how much and which bound).
   */
  CLOCK_SKEW(503, "Clock outside the allowed offset"),
  /** A fault of this node, never of the client. */
  INTERNAL(500, "Internal error");

  private final int status;
  private final String title;

  ErrorCode(int status, String title) {
    this.status = status;
    this.title = title;
  }

  /** The HTTP status code. */
  public int status() {
    return status;
  }

  /** A short human-readable summary. */
  public String title() {
    return title;
  }
}
