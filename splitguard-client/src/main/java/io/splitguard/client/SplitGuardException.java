package io.splitguard.client;

import java.net.URI;
import java.util.Optional;

/**
 * Base of every failure the client reports. The subclass tells the caller what it may assume
 * about its request; in particular, for writes:
 *
 * <ul>
 *   <li>{@link OutcomeUnknownException}: the write may or may not have applied. Read the key back
 *       (or retry with compare-and-set) before concluding anything.
 *   <li>{@link UnavailableException}: no node accepted the write, so it did not apply.
 *   <li>every other subclass: a node answered and refused the request, so it did not apply.
 * </ul>
 *
 * <p>The hierarchy is sealed: the set of cases is part of the API, and {@code switch} over them
 * can be exhaustive once pattern matching is available to callers.
 */
public abstract sealed class SplitGuardException extends RuntimeException
    permits PartitionedException,
        NotLeaderException,
        ConflictException,
        FencedException,
        NotFoundException,
        BadRequestException,
        AuthException,
        OutcomeUnknownException,
        UnavailableException,
        UnexpectedResponseException {

  private static final long serialVersionUID = 1L;

  private final String code;
  private final int httpStatus;
  private final String detail;
  private final String traceId;
  private final URI endpoint;

  SplitGuardException(Problem problem, Throwable cause) {
    super(message(problem), cause);
    this.code = problem.code();
    this.httpStatus = problem.httpStatus();
    this.detail = problem.detail();
    this.traceId = problem.traceId();
    this.endpoint = problem.endpoint();
  }

  private static String message(Problem p) {
    StringBuilder sb = new StringBuilder(p.code());
    if (p.httpStatus() != 0) {
      sb.append(" (HTTP ").append(p.httpStatus()).append(')');
    }
    if (p.endpoint() != null) {
      sb.append(" from ").append(p.endpoint());
    }
    if (!p.detail().isEmpty()) {
      sb.append(": ").append(p.detail());
    }
    if (p.traceId() != null) {
      sb.append(" [traceId=").append(p.traceId()).append(']');
    }
    return sb.toString();
  }

  /**
   * The problem code: one of the server's codes ({@code PARTITIONED}, {@code NOT_LEADER}, {@code
   * FENCED}, {@code CONFLICT}, {@code NOT_FOUND}, {@code BAD_REQUEST}, {@code UNAUTHORIZED},
   * {@code FORBIDDEN}, {@code TIMEOUT}, or a code this client does not know), or a client-side
   * code: {@code TIMEOUT} (outcome unknown without a server answer), {@code UNAVAILABLE}, {@code
   * UNEXPECTED_RESPONSE}.
   */
  public String code() {
    return code;
  }

  /** The HTTP status of the node's answer, or {@code 0} if no node answered. */
  public int httpStatus() {
    return httpStatus;
  }

  /** The problem's {@code detail} (or the client's explanation); possibly empty, never null. */
  public String detail() {
    return detail;
  }

  /** The {@code traceId} of the problem document, if the node sent one. */
  public Optional<String> traceId() {
    return Optional.ofNullable(traceId);
  }

  /** The endpoint that answered or failed, if the failure concerns a single node. */
  public Optional<URI> endpoint() {
    return Optional.ofNullable(endpoint);
  }
}
