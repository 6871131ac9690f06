package io.splitguard.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A raw HTTP helper for tests that must see exact statuses, headers and problem documents. */
final class Http {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  record Response(int status, HttpHeaders headers, String body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + body, e);
      }
    }

    String code() {
      JsonNode c = json().get("code");
      return c == null ? null : c.asText();
    }

    String contentType() {
      return headers.firstValue("Content-Type").orElse("");
    }
  }

  static String body(String value) {
    try {
      return JSON.writeValueAsString(JSON.createObjectNode().put("value", value));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Response get(String url) {
    return send(HttpRequest.newBuilder(URI.create(url)).GET(), Duration.ofSeconds(10));
  }

  /** Like {@link #get} but returns null when the node does not answer. */
  Response tryGet(String url) {
    try {
      HttpResponse<String> r = client.send(
          HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(1)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.headers(), r.body());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  Response put(String url, String body, String ifMatch) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(body));
    if (ifMatch != null) {
      b.header("If-Match", ifMatch);
    }
    return send(b, Duration.ofSeconds(15));
  }

  Response delete(String url, String ifMatch) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).DELETE();
    if (ifMatch != null) {
      b.header("If-Match", ifMatch);
    }
    return send(b, Duration.ofSeconds(15));
  }

  /** Sends with a request timeout; a timeout is a test failure, not a retry. */
  Response send(HttpRequest.Builder request, Duration timeout) {
    try {
      HttpResponse<String> r = client.send(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.headers(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
