package io.splitguard.chaos.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Single HTTP requests to a node, each bounded by the request timeout and never retried: the
 * history must record exactly what one request saw, which the product's client (with its retries
 * and leader hints) would hide. Thread-safe.
 */
public final class NodeApi {
  private final HttpClient http;
  private final Duration timeout;
  private final ObjectMapper json = new ObjectMapper();

  /**
   * Uses {@code http} with a per-request timeout.
   *
   * @param http the client (HTTP/1.1, no proxy)
   * @param timeout the bound on each request, response body included
   */
  public NodeApi(HttpClient http, Duration timeout) {
    this.http = http;
    this.timeout = timeout;
  }

  /** An HTTP/1.1 client without proxy and with a connect timeout of {@code timeout}. */
  public static HttpClient newClient(Duration timeout) {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .proxy(HttpClient.Builder.NO_PROXY)
        .connectTimeout(timeout)
        .build();
  }

  /** The per-request timeout. */
  public Duration timeout() {
    return timeout;
  }

  /** What one request saw. */
  public sealed interface Reply {
    /**
     * The node answered.
     *
     * @param status the HTTP status
     * @param body the JSON body, or a missing node if it was not JSON
     */
    record Response(int status, JsonNode body) implements Reply {
      /** The problem document's {@code code}, or {@code null}. */
      public String problemCode() {
        JsonNode code = body.path("code");
        return code.isTextual() ? code.asText() : null;
      }
    }

    /**
     * No answer: timeout, connection refused or reset.
     *
     * @param error what happened, e.g. {@code timeout} or {@code ConnectException: ...}
     */
    record NoResponse(String error) implements Reply {}
  }

  /** {@code GET base + path}. */
  public Reply get(URI base, String path) throws InterruptedException {
    return send(HttpRequest.newBuilder(base.resolve(path)).GET());
  }

  /** {@code PUT base + path} with a JSON body and extra headers. */
  public Reply put(URI base, String path, String jsonBody, Map<String, String> headers) throws InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(jsonBody));
    headers.forEach(b::header);
    return send(b);
  }

  /** {@code POST base + path} with a JSON body. */
  public Reply post(URI base, String path, String jsonBody) throws InterruptedException {
    return send(HttpRequest.newBuilder(base.resolve(path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(jsonBody)));
  }

  /** {@code DELETE base + path} with a JSON body (the lock API takes the token in the body). */
  public Reply delete(URI base, String path, String jsonBody) throws InterruptedException {
    return send(HttpRequest.newBuilder(base.resolve(path))
        .header("Content-Type", "application/json")
        .method("DELETE", HttpRequest.BodyPublishers.ofString(jsonBody)));
  }

  /** {@code {"value": <value>}} as JSON. */
  public String valueBody(String value) {
    return json.createObjectNode().put("value", value).toString();
  }

  private Reply send(HttpRequest.Builder builder) throws InterruptedException {
    HttpRequest request = builder.timeout(timeout).build();
    CompletableFuture<HttpResponse<String>> future = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    try {
      // The request timeout covers only the headers; this bounds the body too.
      HttpResponse<String> r = future.get(timeout.toMillis() + 100, TimeUnit.MILLISECONDS);
      return new Reply.Response(r.statusCode(), parse(r.body()));
    } catch (TimeoutException e) {
      future.cancel(true);
      return new Reply.NoResponse("timeout");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof java.net.http.HttpTimeoutException) {
        return new Reply.NoResponse("timeout");
      }
      return new Reply.NoResponse(cause.getClass().getSimpleName()
          + (cause.getMessage() == null ? "" : ": " + cause.getMessage()));
    } catch (InterruptedException e) {
      future.cancel(true);
      throw e;
    }
  }

  private JsonNode parse(String body) {
    if (body == null || body.isBlank()) {
      return MissingNode.getInstance();
    }
    try {
      return json.readTree(body);
    } catch (IOException e) {
      return MissingNode.getInstance(); // not JSON (a proxy or servlet error page)
    }
  }
}
