package io.splitguard.chaos.run;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in node program with the real command line ({@code node --cluster F --id ID --data-dir
 * D [--config F] --exit-with-parent PID}), run as a separate JVM by the launcher tests. It serves
 * {@code /v1/status} on its API address (n1 claims to lead), appends a line to {@code
 * <data-dir>/starts} at every start, and answers {@code /probe?peer=nK} with whether it can reach
 * that peer's API: the launcher tests check partitions from inside the namespaces with it.
 */
public final class FakeNodeMain {
  private static final Pattern MEMBER = Pattern.compile("\\{id: ([^,]+), raft: \"([^\"]+)\", api: \"([^\"]+)\"\\}");

  private FakeNodeMain() {}

  /** Entry point: {@code node --cluster F --id ID --data-dir D ...}. */
  public static void main(String[] args) throws Exception {
    Map<String, String> options = new HashMap<>();
    for (int i = 1; i + 1 < args.length; i += 2) {
      options.put(args[i], args[i + 1]);
    }
    String id = options.get("--id");
    Path dataDir = Path.of(options.get("--data-dir"));
    Map<String, String> apis = new HashMap<>();
    Matcher m = MEMBER.matcher(Files.readString(Path.of(options.get("--cluster"))));
    while (m.find()) {
      apis.put(m.group(1), m.group(3));
    }
    if (options.containsKey("--exit-with-parent")) {
      ProcessHandle.of(Long.parseLong(options.get("--exit-with-parent")))
          .ifPresentOrElse(p -> p.onExit().thenRun(() -> System.exit(0)), () -> System.exit(1));
    }
    Files.createDirectories(dataDir);
    Files.writeString(dataDir.resolve("starts"), "start\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    String[] hostPort = apis.get(id).split(":");
    HttpServer server = HttpServer.create(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 0);
    HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
        .connectTimeout(Duration.ofMillis(700)).build();
    server.createContext("/v1/status", ex -> respond(ex, "{\"nodeId\":\"" + id + "\",\"role\":\""
        + (id.equals("n1") ? "LEADER" : "FOLLOWER") + "\",\"leaderId\":\"n1\",\"term\":1}"));
    server.createContext("/probe", ex -> {
      String peer = ex.getRequestURI().getQuery().replace("peer=", "");
      String answer;
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + apis.get(peer) + "/v1/status"))
            .timeout(Duration.ofMillis(700)).build(), HttpResponse.BodyHandlers.ofString());
        answer = r.statusCode() == 200 ? "reachable" : "status " + r.statusCode();
      } catch (IOException e) {
        answer = "unreachable";
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        answer = "interrupted";
      }
      respond(ex, "{\"peer\":\"" + peer + "\",\"result\":\"" + answer + "\"}");
    });
    server.start();
    System.out.println("fake node " + id + " listening on " + apis.get(id));
  }

  private static void respond(com.sun.net.httpserver.HttpExchange ex, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
