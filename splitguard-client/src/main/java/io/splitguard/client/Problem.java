package io.splitguard.client;

import java.net.URI;

/**
 * The facts every {@link SplitGuardException} carries, gathered in one value so that exception
 * constructors stay short.
 *
 * @param code the problem {@code code} (a server code, or one of the client-side codes {@code
 *     TIMEOUT}, {@code UNAVAILABLE}, {@code UNEXPECTED_RESPONSE})
 * @param httpStatus the HTTP status of the answer, or {@code 0} if there was none
 * @param detail human-readable explanation; never null, possibly empty
 * @param traceId the problem's {@code traceId}, or null
 * @param endpoint the node that answered or failed, or null if the failure is not tied to one
 */
record Problem(String code, int httpStatus, String detail, String traceId, URI endpoint) {

  static Problem clientSide(String code, String detail, URI endpoint) {
    return new Problem(code, 0, detail, null, endpoint);
  }
}
