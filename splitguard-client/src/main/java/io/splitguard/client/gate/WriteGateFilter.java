package io.splitguard.client.gate;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Puts a {@link WriteGate} in front of a JDK {@code com.sun.net.httpserver.HttpServer} context:
 * requests that may write (every method but GET, HEAD and OPTIONS) are answered {@code 503} with
 * an RFC 9457 problem ({@code code: PARTITIONED}) and {@code Retry-After} while the gate is
 * closed; reads always pass. Other HTTP stacks need the same few lines around {@link
 * WriteGate#decision()}.
 */
public final class WriteGateFilter extends Filter {
  private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");

  private final WriteGate gate;

  /** A filter consulting {@code gate}. */
  public WriteGateFilter(WriteGate gate) {
    this.gate = gate;
  }

  @Override
  public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
    if (READS.contains(exchange.getRequestMethod().toUpperCase(java.util.Locale.ROOT))) {
      chain.doFilter(exchange);
      return;
    }
    GateDecision d = gate.decision();
    if (d.open()) {
      chain.doFilter(exchange);
      return;
    }
    byte[] body = ("{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503,"
        + "\"code\":\"PARTITIONED\",\"detail\":" + jsonString(d.reason()) + "}")
        .getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/problem+json");
    exchange.getResponseHeaders().set("Retry-After", "1");
    exchange.sendResponseHeaders(503, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static String jsonString(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  @Override
  public String description() {
    return "refuses writes while the SplitGuard write gate is closed";
  }
}
