package io.splitguard.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one HTTP code path of the benchmarks: sends a {@link KvProtocol.Call} and hands back the
 * raw answer, whatever the target. Blocking, one request per calling thread, no retries, no
 * redirects: a benchmark must see what the server does with each request.
 */
final class BenchHttp implements AutoCloseable {

  /**
   * The raw outcome of one exchange.
   *
   * @param ioError null if an answer arrived, else a client-side code ({@code CONNECT_FAILED},
   *     {@code CONNECT_TIMEOUT}, {@code REQUEST_TIMEOUT}, {@code IO_ERROR}); the {@code CONNECT_}
   *     ones prove that the request was not delivered
   * @param status the HTTP status, if an answer arrived
   * @param body the answer's body, if an answer arrived
   */
  record Response(String ioError, int status, byte[] body) {}

  private final ExecutorService executor;
  private final HttpClient http;

  /** A client whose connects give up after at most {@code connectTimeout}. */
  BenchHttp(Duration connectTimeout, String threadName) {
    AtomicInteger n = new AtomicInteger();
    this.executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, threadName + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.http = HttpClient.newBuilder()
        // HTTP/1.1: what typical clients of both APIs use, and no h2c upgrade dance per connection.
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .executor(executor)
        .build();
  }

  /** Sends {@code call} to {@code endpoint} and waits at most {@code timeout} for the answer. */
  Response send(URI endpoint, KvProtocol.Call call, Duration timeout) throws InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(call.uri(endpoint)).timeout(timeout);
    call.headers().forEach(b::header);
    if (call.body() == null) {
      b.method(call.method(), HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json");
      b.method(call.method(), HttpRequest.BodyPublishers.ofByteArray(call.body()));
    }
    try {
      HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Response(null, r.statusCode(), r.body());
    } catch (IOException e) {
      return new Response(ioCode(e), 0, null);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }

  /** Client-side error codes; the {@code CONNECT_} ones prove the request was not delivered. */
  static String ioCode(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof HttpConnectTimeoutException) {
        return "CONNECT_TIMEOUT";
      }
      if (t instanceof ConnectException) {
        return "CONNECT_FAILED";
      }
    }
    if (e instanceof HttpTimeoutException) {
      return "REQUEST_TIMEOUT";
    }
    return "IO_ERROR";
  }
}
