package io.splitguard.chaos.run;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A fake node on 127.0.0.1 that plays a script of replies, one per request, and records each
 * request (method, path with query, If-Match, body). {@link #hang()} never answers until the node
 * is closed, which makes the client time out.
 */
final class ScriptedNode implements AutoCloseable {
  /** A request as received. */
  record Request(String method, String pathAndQuery, String ifMatch, String body) {}

  /** One scripted reply. */
  @FunctionalInterface
  interface Reply {
    void send(HttpExchange exchange) throws IOException;
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final Deque<Reply> script = new ArrayDeque<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final CountDownLatch closing = new CountDownLatch(1);

  ScriptedNode() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  ScriptedNode then(Reply reply) {
    synchronized (script) {
      script.add(reply);
    }
    return this;
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  static Reply json(int status, String body) {
    return exchange -> {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type",
          status >= 400 ? "application/problem+json" : "application/json");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    };
  }

  static Reply problem(int status, String code) {
    return json(status, "{\"status\":" + status + ",\"code\":\"" + code + "\"}");
  }

  /** Holds the request until the node closes: the client's timeout fires first. */
  Reply hang() {
    return exchange -> {
      try {
        closing.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.close();
    };
  }

  private void handle(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
        exchange.getRequestHeaders().getFirst("If-Match"), body));
    Reply reply;
    synchronized (script) {
      reply = script.isEmpty() ? problem(500, "UNSCRIPTED") : script.poll();
    }
    reply.send(exchange);
  }

  @Override
  public void close() {
    closing.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
