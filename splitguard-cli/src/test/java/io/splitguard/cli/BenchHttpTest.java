package io.splitguard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's socket HTTP client against a raw loopback server that answers exactly the bytes
 * each test scripts: body framings, connection reuse and the failure codes.
 */
class BenchHttpTest {

  /** A server that answers each request line with the raw bytes {@code answer} gives. */
  private static final class RawServer implements AutoCloseable {
    final ServerSocket socket;
    final AtomicInteger accepted = new AtomicInteger();
    final List<String> requestLines = new CopyOnWriteArrayList<>();
    final List<Socket> connections = new CopyOnWriteArrayList<>();
    final Thread acceptor;

    RawServer(Function<String, String> answer) throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      acceptor = new Thread(() -> {
        while (!socket.isClosed()) {
          try {
            Socket s = socket.accept();
            accepted.incrementAndGet();
            connections.add(s);
            Thread t = new Thread(() -> serve(s, answer));
            t.setDaemon(true);
            t.start();
          } catch (IOException e) {
            return;
          }
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
    }

    private void serve(Socket s, Function<String, String> answer) {
      try (s) {
        BufferedReader in = new BufferedReader(
            new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
        OutputStream out = s.getOutputStream();
        while (true) {
          String requestLine = in.readLine();
          if (requestLine == null) {
            return;
          }
          int length = 0;
          for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
            if (h.toLowerCase().startsWith("content-length:")) {
              length = Integer.parseInt(h.substring(15).trim());
            }
          }
          char[] body = new char[length];
          int read = 0;
          while (read < length) {
            read += in.read(body, read, length - read);
          }
          requestLines.add(requestLine + (length > 0 ? " " + new String(body) : ""));
          String reply = answer.apply(requestLine);
          if (reply == null) {
            return; // close without answering
          }
          out.write(reply.getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
        }
      } catch (IOException e) {
        // the client went away
      }
    }

    URI uri() {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }

    @Override
    public void close() throws IOException {
      socket.close();
      for (Socket s : connections) {
        s.close();
      }
    }
  }

  private RawServer server;
  private final BenchHttp http = new BenchHttp(Duration.ofSeconds(2), Duration.ZERO);

  @AfterEach
  void stop() throws IOException {
    http.close();
    if (server != null) {
      server.close();
    }
  }

  private static KvProtocol.Call get(String path) {
    return new KvProtocol.Call("GET", path, null, Map.of());
  }

  @Test
  void readsContentLengthBodiesAndReusesTheConnection() throws Exception {
    server = new RawServer(line -> "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");

    for (int i = 0; i < 3; i++) {
      BenchHttp.Response r = http.send(server.uri(), get("/v1/kv/a?consistency=stale"), Duration.ofSeconds(2));
      assertThat(r.ioError()).isNull();
      assertThat(r.status()).isEqualTo(200);
      assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("hello");
    }
    assertThat(server.accepted).hasValue(1);
    assertThat(server.requestLines).containsOnly("GET /v1/kv/a?consistency=stale HTTP/1.1");
  }

  @Test
  void sendsTheBodyAndDecodesAChunkedAnswer() throws Exception {
    server = new RawServer(line -> "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "3\r\n{\"a\r\n4;ext=1\r\n\":1}\r\n0\r\n\r\n");

    BenchHttp.Response r = http.send(server.uri(),
        new KvProtocol.Call("PUT", "/v1/kv/k%2Fx", "{\"value\":\"v\"}".getBytes(StandardCharsets.UTF_8),
            Map.of("If-Match", "3")),
        Duration.ofSeconds(2));

    assertThat(r.ioError()).isNull();
    assertThat(r.status()).isEqualTo(201);
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
    assertThat(server.requestLines).containsExactly("PUT /v1/kv/k%2Fx HTTP/1.1 {\"value\":\"v\"}");
  }

  @Test
  void opensANewConnectionAfterConnectionCloseOrWhenTheServerClosedAnIdleOne() throws Exception {
    AtomicInteger n = new AtomicInteger();
    server = new RawServer(line -> n.incrementAndGet() == 1
        ? "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        : "HTTP/1.1 204 No Content\r\n\r\n");

    assertThat(http.send(server.uri(), get("/a"), Duration.ofSeconds(2)).status()).isEqualTo(200);
    assertThat(http.send(server.uri(), get("/b"), Duration.ofSeconds(2)).status()).isEqualTo(204);
    assertThat(server.accepted).hasValue(2);

    // The server drops the idle keep-alive connection; the client notices before reusing it.
    server.connections.get(1).close();
    await().atMost(Duration.ofSeconds(5)).until(() -> server.connections.get(1).isClosed());
    BenchHttp.Response r = http.send(server.uri(), get("/c"), Duration.ofSeconds(2));
    assertThat(r.ioError()).isNull();
    assertThat(r.status()).isEqualTo(204);
    assertThat(server.accepted).hasValue(3);
  }

  @Test
  void reportsATimeoutWhenNoAnswerComesInTime() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    server = new RawServer(line -> {
      try {
        never.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return null;
    });

    BenchHttp.Response r = http.send(server.uri(), get("/slow"), Duration.ofMillis(200));

    assertThat(r.ioError()).isEqualTo("REQUEST_TIMEOUT");
    never.countDown();
  }

  @Test
  void reportsAnAnswerlessCloseAsAnIoErrorAndARefusedConnectAsNotDelivered() throws Exception {
    server = new RawServer(line -> null);

    assertThat(http.send(server.uri(), get("/x"), Duration.ofSeconds(2)).ioError()).isEqualTo("IO_ERROR");

    URI closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = URI.create("http://127.0.0.1:" + s.getLocalPort());
    }
    assertThat(http.send(closedPort, get("/x"), Duration.ofSeconds(2)).ioError()).isEqualTo("CONNECT_FAILED");
  }
}
