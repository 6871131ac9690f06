package io.splitguard.cli;

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
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * A real HTTP server on loopback that stands in for a SplitGuard node: it answers from a script
 * (one reply per request, in order), then from a responder function, and records every request.
 * Concurrent requests are served in parallel, as a node would, so that the bench can use it.
 */
final class FakeNode implements AutoCloseable {

  /** A request as the node saw it; path and query still percent-encoded. */
  record Request(String method, String path, String query, Map<String, List<String>> headers, String body) {
    String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0))
          .findFirst()
          .orElse(null);
    }
  }

  /** An answer. */
  record Reply(int status, String contentType, String body, Map<String, String> headers) {}

  /** Computes the answer to a request. */
  @FunctionalInterface
  interface Responder {
    Reply respond(Request request);
  }

  static {
    // The JDK server writes headers and body separately; with Nagle's algorithm on, the body then
    // waits for the client's delayed ACK (~40 ms per request), which would make bench tests slow.
    // Read once, when the server implementation initialises, so it must be set before that.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final Deque<Reply> script = new ArrayDeque<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private volatile Responder otherwise = r -> json(500, "{\"unscripted\":true}");

  FakeNode() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  /** The node's base URL, as given to {@code --endpoints}. */
  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Appends a reply to the script. */
  FakeNode then(Reply reply) {
    synchronized (script) {
      script.add(reply);
    }
    return this;
  }

  /** Answers every request after the script ran out. */
  FakeNode otherwise(Responder responder) {
    this.otherwise = responder;
    return this;
  }

  /** What answers requests after the script ran out, to wrap in another responder. */
  Responder otherwiseResponder() {
    return otherwise;
  }

  /** Answers every request after the script ran out with {@code reply}. */
  FakeNode always(Reply reply) {
    return otherwise(r -> reply);
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  List<Request> requests(Predicate<Request> filter) {
    return requests.stream().filter(filter).toList();
  }

  private void handle(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    URI uri = exchange.getRequestURI();
    Request request = new Request(
        exchange.getRequestMethod(), uri.getRawPath(), uri.getRawQuery(),
        Map.copyOf(exchange.getRequestHeaders()), body);
    requests.add(request);
    Reply reply;
    synchronized (script) {
      reply = script.poll();
    }
    if (reply == null) {
      reply = otherwise.respond(request);
    }
    byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", reply.contentType());
    reply.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
    exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  static Reply json(int status, String body) {
    return new Reply(status, "application/json", body, Map.of());
  }

  /** A key as the server answers it. */
  static Reply entry(String key, String value, long revision) {
    return json(200, "{\"key\":\"" + key + "\",\"value\":\"" + value + "\",\"revision\":"
        + revision + ",\"createRevision\":1,\"version\":1}");
  }

  static Reply problem(int status, String code, String detail) {
    return problem(status, code, detail, "", Map.of());
  }

  /** A problem document like the server's; {@code extraFields} is spliced in as is. */
  static Reply problem(
      int status, String code, String detail, String extraFields, Map<String, String> headers) {
    String body = "{" + extraFields
        + "\"type\":\"https://splitguard.io/problems/" + code.toLowerCase(Locale.ROOT)
        + "\",\"title\":\"" + code + "\",\"status\":" + status
        + ",\"detail\":\"" + detail + "\",\"code\":\"" + code
        + "\",\"traceId\":\"trace-" + code + "\"}";
    return new Reply(status, "application/problem+json", body, headers);
  }

  /** The server's PARTITIONED answer. */
  static Reply partitioned() {
    return problem(503, "PARTITIONED",
        "node n3 reaches 1 of 3 voting members, no majority: write refused here", "",
        Map.of("Retry-After", "1"));
  }

  /** A status answer shaped like the server's. */
  static Reply status(String nodeId, String role, String leaderId, boolean quorum, String partition) {
    String leader = leaderId == null ? "null" : "\"" + leaderId + "\"";
    return json(200, "{\"nodeId\":\"" + nodeId + "\",\"role\":\"" + role + "\",\"leaderId\":"
        + leader + ",\"term\":4,\"partitionStatus\":\"" + partition + "\",\"quorum\":" + quorum
        + ",\"fenced\":false,\"members\":["
        + "{\"id\":\"n1\",\"address\":\"127.0.0.1:8101\",\"raftAddress\":\"127.0.0.1:9101\","
        + "\"self\":" + nodeId.equals("n1") + ",\"reachable\":true,\"phi\":0.0,\"lastHeartbeatAgeMs\":0},"
        + "{\"id\":\"n2\",\"address\":\"127.0.0.1:8102\",\"raftAddress\":\"127.0.0.1:9102\","
        + "\"self\":" + nodeId.equals("n2") + ",\"reachable\":true,\"phi\":0.42,\"lastHeartbeatAgeMs\":87},"
        + "{\"id\":\"n3\",\"address\":\"127.0.0.1:8103\",\"raftAddress\":\"127.0.0.1:9103\","
        + "\"self\":" + nodeId.equals("n3") + ",\"reachable\":false,\"phi\":12.5,\"lastHeartbeatAgeMs\":5200}],"
        + "\"appliedIndex\":12,\"commitIndex\":13}");
  }

  /** A loopback URL on which nothing listens, so connecting is refused. */
  static String refusedUrl() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    return "http://127.0.0.1:" + port;
  }
}
