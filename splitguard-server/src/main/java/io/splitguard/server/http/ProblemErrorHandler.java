package io.splitguard.server.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Answers errors that Jetty raises before a request reaches the API (a malformed URI, an invalid
 * escape, an oversized header) with a problem document instead of Jetty's HTML page, so clients
 * see one error format whatever layer refused them.
 */
final class ProblemErrorHandler extends ErrorHandler {
  private static final String PROBLEM_JSON = "application/problem+json";

  @Override
  protected void generateResponse(
      Request request, Response response, int code, String message, Throwable cause, Callback callback)
      throws IOException {
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, PROBLEM_JSON);
    response.write(true, ByteBuffer.wrap(body(code, message)), callback);
  }

  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(new HttpField(HttpHeader.CONTENT_TYPE, PROBLEM_JSON));
    return ByteBuffer.wrap(body(status, reason));
  }

  private static byte[] body(int status, String message) {
    ErrorCode code = status == 404 ? ErrorCode.NOT_FOUND
        : status >= 400 && status < 500 ? ErrorCode.BAD_REQUEST
        : ErrorCode.INTERNAL;
    String detail = "request URI or headers: "
        + (message == null || message.isBlank() ? "rejected by the HTTP layer" : message)
        + " (a key in the path must be UTF-8, percent-encoded)";
    return ("{\"type\":\"https://splitguard.io/problems/" + code.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')
        + "\",\"title\":\"" + code.title() + "\",\"status\":" + code.status()
        + ",\"detail\":\"" + escape(detail) + "\",\"code\":\"" + code.name() + "\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
