package io.splitguard.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;

/**
 * The one HTTP code path of the benchmarks: sends a {@link KvProtocol.Call} and hands back the
 * raw answer, whatever the target. Blocking, one request per calling thread, no retries, no
 * redirects: a benchmark must see what the server does with each request.
 *
 * <p>A minimal HTTP/1.1 client over plain blocking sockets, one keep-alive connection per calling
 * thread at a time (pooled per endpoint), rather than {@link java.net.http.HttpClient}. The JDK
 * client hands every exchange between the caller, its selector thread and its executor; under 64
 * closed-loop clients on a small machine the load generator then used about two thirds of the
 * CPU, more than the three nodes it measured (a {@code perf} profile of a stale-read benchmark),
 * and every store looked as fast as the client. Here an exchange is one write and the reads of
 * its answer on the caller's own thread. Enough of HTTP/1.1 for the two APIs measured: {@code
 * Content-Length} and chunked bodies, {@code Connection: close}, no bodies on 1xx/204/304.
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

  // A pooled connection idle longer than this is checked for a close by the server before reuse
  // (one non-blocking read); back-to-back requests of a closed loop skip the check.
  private static final Duration IDLE_CHECK = Duration.ofMillis(50);
  private static final int MAX_HEADER_LINE = 16 * 1024;

  private final Duration connectTimeout;
  private final long idleCheckNanos;
  private final Map<String, ConcurrentLinkedDeque<Connection>> idle = new ConcurrentHashMap<>();
  private final Set<Connection> open = ConcurrentHashMap.newKeySet();

  /** A client whose connects give up after at most {@code connectTimeout}. */
  BenchHttp(Duration connectTimeout) {
    this(connectTimeout, IDLE_CHECK);
  }

  /** As above; a pooled connection idle for {@code idleCheck} or longer is checked before reuse. */
  BenchHttp(Duration connectTimeout, Duration idleCheck) {
    this.connectTimeout = connectTimeout;
    this.idleCheckNanos = idleCheck.toNanos();
  }

  /** Sends {@code call} to {@code endpoint} and waits at most {@code timeout} for the answer. */
  Response send(URI endpoint, KvProtocol.Call call, Duration timeout) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    String host = endpoint.getHost();
    int port = endpoint.getPort() != -1 ? endpoint.getPort() : 80;
    String authority = host + ":" + port;
    ConcurrentLinkedDeque<Connection> pool =
        idle.computeIfAbsent(authority, a -> new ConcurrentLinkedDeque<>());
    Connection c = reusable(pool);
    if (c == null) {
      long connectNanos = Math.min(connectTimeout.toNanos(), deadline - System.nanoTime());
      try {
        c = Connection.open(host, port, connectNanos);
      } catch (SocketTimeoutException e) {
        return new Response("CONNECT_TIMEOUT", 0, null);
      } catch (ConnectException e) {
        return new Response("CONNECT_FAILED", 0, null);
      } catch (IOException e) {
        return new Response(e.getMessage() != null && e.getMessage().contains("timed out")
            ? "CONNECT_TIMEOUT" : "CONNECT_FAILED", 0, null);
      }
      open.add(c);
    }
    try {
      c.write(request(endpoint, authority, call));
      Exchange answer = c.read(deadline, call.method().equals("HEAD"));
      if (answer.keepAlive()) {
        c.idleSince = System.nanoTime();
        pool.offerFirst(c);
      } else {
        discard(c);
      }
      return new Response(null, answer.status(), answer.body());
    } catch (SocketTimeoutException e) {
      discard(c);
      return new Response("REQUEST_TIMEOUT", 0, null);
    } catch (IOException | RuntimeException e) {
      discard(c);
      return new Response("IO_ERROR", 0, null);
    }
  }

  /** Closes every connection, idle or in use (a caller blocked on one gets {@code IO_ERROR}). */
  @Override
  public void close() {
    for (Connection c : open) {
      c.close();
    }
    open.clear();
    idle.clear();
  }

  private Connection reusable(ConcurrentLinkedDeque<Connection> pool) {
    Connection c;
    while ((c = pool.pollFirst()) != null) {
      if (System.nanoTime() - c.idleSince < idleCheckNanos || c.stillOpen()) {
        return c;
      }
      discard(c);
    }
    return null;
  }

  private void discard(Connection c) {
    open.remove(c);
    c.close();
  }

  private static byte[] request(URI endpoint, String authority, KvProtocol.Call call) {
    URI uri = call.uri(endpoint);
    String target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    StringBuilder head = new StringBuilder(256)
        .append(call.method()).append(' ').append(target).append(" HTTP/1.1\r\n")
        .append("Host: ").append(authority).append("\r\n");
    call.headers().forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    byte[] body = call.body();
    if (body != null) {
      head.append("Content-Type: application/json\r\n");
    }
    if (body != null || !call.method().equals("GET")) {
      head.append("Content-Length: ").append(body == null ? 0 : body.length).append("\r\n");
    }
    head.append("\r\n");
    byte[] h = head.toString().getBytes(StandardCharsets.ISO_8859_1);
    if (body == null || body.length == 0) {
      return h;
    }
    byte[] all = new byte[h.length + body.length];
    System.arraycopy(h, 0, all, 0, h.length);
    System.arraycopy(body, 0, all, h.length, body.length);
    return all;
  }

  /** Status, body, and whether the connection may carry another request. */
  private record Exchange(int status, byte[] body, boolean keepAlive) {}

  /** One keep-alive connection; used by one thread at a time. */
  private static final class Connection {
    private final SocketChannel channel;
    private final DeadlineInput deadlineInput;
    private final InputStream in;
    private final OutputStream out;
    private volatile long idleSince;

    private Connection(SocketChannel channel) throws IOException {
      this.channel = channel;
      this.deadlineInput = new DeadlineInput(channel);
      this.in = new BufferedInputStream(deadlineInput, 8192);
      this.out = channel.socket().getOutputStream();
      this.idleSince = System.nanoTime();
    }

    static Connection open(String host, int port, long timeoutNanos) throws IOException {
      if (timeoutNanos <= 0) {
        throw new SocketTimeoutException("connect timed out");
      }
      SocketChannel channel = SocketChannel.open();
      try {
        channel.socket().setTcpNoDelay(true);
        channel.socket().connect(new InetSocketAddress(host, port),
            (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos)));
        return new Connection(channel);
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
    }

    void write(byte[] request) throws IOException {
      out.write(request);
      out.flush();
    }

    /** Whether the server has not closed this idle connection (nothing may be waiting on it). */
    boolean stillOpen() {
      try {
        channel.configureBlocking(false);
        int n = channel.read(ByteBuffer.allocate(1));
        channel.configureBlocking(true);
        return n == 0;
      } catch (IOException e) {
        return false;
      }
    }

    Exchange read(long deadline, boolean head) throws IOException {
      deadlineInput.deadline = deadline;
      int status;
      long contentLength = -1;
      boolean chunked = false;
      boolean close = false;
      do {
        String statusLine = line();
        // "HTTP/1.1 200 OK"
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
          throw new IOException("not an HTTP/1.x status line: " + statusLine);
        }
        close = statusLine.startsWith("HTTP/1.0");
        status = Integer.parseInt(statusLine.substring(9, 12));
        for (String h = line(); !h.isEmpty(); h = line()) {
          int colon = h.indexOf(':');
          if (colon <= 0) {
            throw new IOException("malformed header: " + h);
          }
          String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
          String value = h.substring(colon + 1).trim();
          switch (name) {
            case "content-length" -> contentLength = Long.parseLong(value);
            case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
            case "connection" -> {
              String v = value.toLowerCase(Locale.ROOT);
              close = v.contains("close") || (close && !v.contains("keep-alive"));
            }
            default -> { }
          }
        }
      } while (status >= 100 && status < 200);
      byte[] body;
      if (head || status == 204 || status == 304) {
        body = new byte[0];
      } else if (chunked) {
        body = chunkedBody();
      } else if (contentLength >= 0) {
        body = in.readNBytes(Math.toIntExact(contentLength));
        if (body.length != contentLength) {
          throw new EOFException("body ended after " + body.length + " of " + contentLength);
        }
      } else {
        body = in.readAllBytes();
        close = true;
      }
      return new Exchange(status, body, !close);
    }

    private byte[] chunkedBody() throws IOException {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      while (true) {
        String sizeLine = line();
        int semicolon = sizeLine.indexOf(';');
        int size = Integer.parseInt(
            (semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
        if (size == 0) {
          while (!line().isEmpty()) {
            // trailers, ignored
          }
          return body.toByteArray();
        }
        byte[] chunk = in.readNBytes(size);
        if (chunk.length != size) {
          throw new EOFException("chunk ended early");
        }
        body.write(chunk);
        if (!line().isEmpty()) {
          throw new IOException("chunk not followed by CRLF");
        }
      }
    }

    private String line() throws IOException {
      StringBuilder sb = new StringBuilder(64);
      while (true) {
        int b = in.read();
        if (b < 0) {
          throw new EOFException("connection closed by the server");
        }
        if (b == '\n') {
          int n = sb.length();
          return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
        }
        if (sb.length() >= MAX_HEADER_LINE) {
          throw new IOException("header line too long");
        }
        sb.append((char) b);
      }
    }

    void close() {
      try {
        channel.close();
      } catch (IOException ignored) {
        // closing: nothing left to do with it
      }
    }
  }

  /** The socket's input, each read bounded by what is left until the exchange's deadline. */
  private static final class DeadlineInput extends InputStream {
    private final SocketChannel channel;
    private final InputStream socketIn;
    long deadline;

    DeadlineInput(SocketChannel channel) throws IOException {
      this.channel = channel;
      this.socketIn = channel.socket().getInputStream();
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new SocketTimeoutException("request timed out");
      }
      channel.socket().setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      return socketIn.read(b, off, len);
    }
  }
}
