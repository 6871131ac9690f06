package io.splitguard.client;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A real HTTP server on loopback that plays a script of answers, one per request, and records
 * every request it receives. When the script runs out it repeats its fallback answer.
 */
final class ScriptedServer implements AutoCloseable {

  /** A request as the server saw it, with the path and query still percent-encoded. */
  record Recorded(String method, String rawPath, String rawQuery, Headers headers, String body) {
    String header(String name) {
      return headers.getFirst(name);
    }
  }

  /** One scripted answer. */
  @FunctionalInterface
  interface Reply {
    void send(HttpExchange exchange) throws IOException;
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final Deque<Reply> script = new ArrayDeque<>();
  private final List<Recorded> requests = new CopyOnWriteArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private Reply fallback = json(500, "{\"unscripted\":true}");

  ScriptedServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Appends an answer to the script. */
  ScriptedServer then(Reply reply) {
    synchronized (script) {
      script.add(reply);
    }
    return this;
  }

  /** The answer to every request after the script ran out. */
  ScriptedServer otherwise(Reply reply) {
    synchronized (script) {
      fallback = reply;
    }
    return this;
  }

  List<Recorded> requests() {
    return List.copyOf(requests);
  }

  int requestCount() {
    return requests.size();
  }

  private void handle(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    URI uri = exchange.getRequestURI();
    requests.add(
        new Recorded(
            exchange.getRequestMethod(),
            uri.getRawPath(),
            uri.getRawQuery(),
            exchange.getRequestHeaders(),
            body));
    Reply reply;
    synchronized (script) {
      reply = script.isEmpty() ? fallback : script.poll();
    }
    reply.send(exchange);
  }

  static Reply json(int status, String body) {
    return respond(status, "application/json", body, Map.of());
  }

  static Reply problem(int status, String code, String detail) {
    return problem(status, code, detail, "", Map.of());
  }

  /**
   * A problem document; {@code extraFields} is spliced into the JSON object as is (for example
   * {@code "\"leader\":\"n2\","}).
   */
  static Reply problem(
      int status, String code, String detail, String extraFields, Map<String, String> headers) {
    String body =
        "{"
            + extraFields
            + "\"type\":\"https://splitguard.io/problems/"
            + code.toLowerCase(java.util.Locale.ROOT)
            + "\",\"title\":\""
            + code
            + "\",\"status\":"
            + status
            + ",\"detail\":\""
            + detail
            + "\",\"code\":\""
            + code
            + "\",\"traceId\":\"trace-"
            + code
            + "\"}";
    return respond(status, "application/problem+json", body, headers);
  }

  static Reply respond(int status, String contentType, String body, Map<String, String> headers) {
    return exchange -> {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", contentType);
      headers.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
      exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    };
  }

  /** Closes the connection after reading the request, without any answer. */
  static Reply hangUp() {
    return HttpExchange::close;
  }

  /** Never answers (until the server closes), so the client's request timeout must fire. */
  Reply stall() {
    return exchange -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.close();
    };
  }

  @Override
  public void close() {
    release.countDown();
    server.stop(0);
    executor.shutdownNow();
  }

  /** A loopback URI on which nothing listens, so connecting is refused. */
  static URI refusedEndpoint() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    return URI.create("http://127.0.0.1:" + port);
  }
}
