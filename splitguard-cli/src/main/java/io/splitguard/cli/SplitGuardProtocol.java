package io.splitguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * The SplitGuard HTTP API v1 ({@code docs/api.md}): {@code PUT /v1/kv/{key}} with {@code
 * {"value"}}, {@code If-Match} for compare-and-set, {@code GET /v1/kv/{key}?consistency=...}, and
 * RFC 9457 problem documents whose {@code code} names the error.
 */
final class SplitGuardProtocol implements KvProtocol {

  private final ObjectMapper json = new ObjectMapper();

  @Override
  public String name() {
    return "splitguard";
  }

  @Override
  public Call put(String key, String value) {
    return new Call("PUT", kvPath(key), body(value), Map.of());
  }

  @Override
  public Call get(String key, boolean stale) {
    return new Call("GET", kvPath(key) + "?consistency=" + (stale ? "stale" : "linearizable"),
        null, Map.of());
  }

  @Override
  public Call compareAndSet(String key, String value, long expectedRevision) {
    return new Call("PUT", kvPath(key), body(value),
        Map.of("If-Match", Long.toString(expectedRevision)));
  }

  @Override
  public Reply writeReply(int status, byte[] body) {
    if (!success(status)) {
      return Reply.failed(problemCode(status, body));
    }
    JsonNode doc = tree(body);
    JsonNode revision = doc == null ? null : doc.get("revision");
    return new Reply(null, revision != null && revision.canConvertToLong() ? revision.longValue() : -1, null);
  }

  @Override
  public Reply readReply(int status, byte[] body) {
    if (!success(status)) {
      return Reply.failed(problemCode(status, body));
    }
    JsonNode doc = tree(body);
    JsonNode revision = doc == null ? null : doc.get("revision");
    JsonNode value = doc == null ? null : doc.get("value");
    if (revision == null || !revision.canConvertToLong() || value == null || !value.isTextual()) {
      return Reply.failed("BAD_ANSWER");
    }
    return new Reply(null, revision.longValue(), value.textValue());
  }

  @Override
  public Call status() {
    return new Call("GET", "/v1/status", null, Map.of());
  }

  @Override
  public Optional<Boolean> isLeader(int status, byte[] body) {
    JsonNode doc = success(status) ? tree(body) : null;
    if (doc == null || !doc.path("leaderId").isTextual()) {
      return Optional.empty();
    }
    return Optional.of("LEADER".equalsIgnoreCase(doc.path("role").asText("")));
  }

  private byte[] body(String value) {
    ObjectNode o = json.createObjectNode();
    o.put("value", value);
    try {
      return json.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new IllegalStateException("serialising a JSON tree cannot fail", e);
    }
  }

  private static String kvPath(String key) {
    // Bench keys are ASCII without reserved characters, but a key of a user's choosing may not be.
    return "/v1/kv/" + URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static boolean success(int status) {
    return status >= 200 && status < 300;
  }

  private JsonNode tree(byte[] body) {
    try {
      return body == null || body.length == 0 ? null : json.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }

  /** The problem document's {@code code}, or {@code HTTP_<status>} if there is none. */
  private String problemCode(int status, byte[] body) {
    JsonNode doc = tree(body);
    JsonNode code = doc == null ? null : doc.get("code");
    if (code != null && code.isTextual() && !code.textValue().isBlank()) {
      return code.textValue();
    }
    // Not a problem document (for example a proxy's HTML page): fall back to the status.
    return "HTTP_" + status;
  }
}
