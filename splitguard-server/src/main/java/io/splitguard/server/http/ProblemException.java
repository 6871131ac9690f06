package io.splitguard.server.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Thrown by request handling to answer with an RFC 9457 problem document. Carries the stable
 * {@link ErrorCode}, a detail that names the field or cause, extra members and headers.
 */
public final class ProblemException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final ErrorCode code;
  private final transient Map<String, Object> extensions = new LinkedHashMap<>();
  private final transient Map<String, String> headers = new LinkedHashMap<>();

  /** @param code the error code, @param detail what is wrong and where */
  public ProblemException(ErrorCode code, String detail) {
    super(detail);
    this.code = code;
  }

  /** Shorthand for a {@link ErrorCode#BAD_REQUEST}. */
  public static ProblemException badRequest(String detail) {
    return new ProblemException(ErrorCode.BAD_REQUEST, detail);
  }

  /** Adds a member to the problem document. */
  public ProblemException with(String name, Object value) {
    extensions.put(name, value);
    return this;
  }

  /** Adds a response header. */
  public ProblemException header(String name, String value) {
    headers.put(name, value);
    return this;
  }

  /** The error code. */
  public ErrorCode code() {
    return code;
  }

  /** Extra members of the problem document. */
  public Map<String, Object> extensions() {
    return extensions;
  }

  /** Extra response headers. */
  public Map<String, String> headers() {
    return headers;
  }
}
