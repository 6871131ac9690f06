package io.splitguard.client.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpServer;
import io.splitguard.client.Status;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The client-side write gate on a manual clock, and its filter on a real JDK HTTP server. */
class WriteGateTest {
  private static final long MS = 1_000_000;
  private final AtomicLong now = new AtomicLong(1_000 * MS);
  private final AtomicReference<Object> answer = new AtomicReference<>(status(true, false));
  private final WriteGate gate = WriteGate.manual(() -> {
    Object a = answer.get();
    if (a instanceof RuntimeException e) {
      throw e;
    }
    return (Status) a;
  }, now::get, Duration.ofMillis(500));

  private static Status status(boolean quorum, boolean fenced) {
    return new Status("n1", "FOLLOWER", "n2", 3, quorum ? "HEALTHY" : "PARTITIONED", quorum, fenced,
        List.of(), 10, 10);
  }

  @Test
  void closedUntilTheFirstAnswerThenOpenWhileFreshWithQuorumAndUnfenced() {
    assertThat(gate.decision().open()).isFalse();
    assertThat(gate.decision().reason()).contains("no status from the node yet");
    gate.poll();
    assertThat(gate.isOpen()).isTrue();
    now.addAndGet(500 * MS);
    assertThat(gate.isOpen()).isTrue();
  }

  @Test
  void closesWhenTheNodeIsFencedOrWithoutQuorum() {
    answer.set(status(true, true));
    gate.poll();
    assertThat(gate.decision().reason()).isEqualTo("node n1 is fenced");
    answer.set(status(false, false));
    gate.poll();
    assertThat(gate.decision().reason()).contains("reaches no majority (PARTITIONED)");
    assertThatThrownBy(gate::check).isInstanceOf(WriteGateClosedException.class)
        .hasMessageContaining("reaches no majority");
  }

  @Test
  void failsClosedWhenTheNodeStopsAnswering() {
    gate.poll();
    answer.set(new IllegalStateException("connection refused"));
    gate.poll();
    now.addAndGet(400 * MS);
    assertThat(gate.isOpen()).isTrue(); // the last answer is still fresh
    now.addAndGet(101 * MS);
    GateDecision d = gate.decision();
    assertThat(d.open()).isFalse();
    assertThat(d.reason()).contains("no fresh status from node n1 for 501 ms (limit 500 ms)")
        .contains("connection refused");
  }

  @Test
  void aStalenessNotLongerThanThePollIntervalIsRefused() {
    assertThatThrownBy(() -> WriteGate.start(() -> status(true, false), Duration.ofMillis(200), Duration.ofMillis(200)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxStaleness (200 ms)");
  }

  @Test
  void theFilterRefusesWritesButNotReadsWhileClosed() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    HttpContext ctx = server.createContext("/orders", exchange -> {
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    ctx.getFilters().add(new WriteGateFilter(gate));
    server.start();
    try {
      HttpClient http = HttpClient.newHttpClient();
      URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/orders");
      HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri)
          .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(503);
      assertThat(post.headers().firstValue("Content-Type")).contains("application/problem+json");
      assertThat(post.headers().firstValue("Retry-After")).contains("1");
      assertThat(post.body()).contains("\"code\":\"PARTITIONED\"").contains("no status from the node yet");
      HttpResponse<String> get = http.send(HttpRequest.newBuilder(uri).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(get.statusCode()).isEqualTo(204);
      gate.poll();
      HttpResponse<String> allowed = http.send(HttpRequest.newBuilder(uri)
          .PUT(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(allowed.statusCode()).isEqualTo(204);
    } finally {
      server.stop(0);
    }
  }
}
