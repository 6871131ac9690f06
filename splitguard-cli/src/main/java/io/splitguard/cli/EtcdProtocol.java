package io.splitguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * etcd's v3 JSON gateway (grpc-gateway in front of the KV service, etcd 3.4 and later): every call
 * is a {@code POST} of the protobuf request as JSON, keys and values base64-encoded, 64-bit numbers
 * as JSON strings.
 *
 * <ul>
 *   <li>put: {@code /v3/kv/put {"key","value"}}; the answer's {@code header.revision} is the
 *       store's revision after the write.
 *   <li>get: {@code /v3/kv/range {"key"}} is linearizable (etcd's default, read index through the
 *       leader); with {@code "serializable": true} the contacted member answers from its own
 *       state, the counterpart of SplitGuard's stale read. A missing key has no {@code kvs}.
 *   <li>compare-and-set: {@code /v3/kv/txn} comparing the key's {@code mod_revision} (0 for a
 *       missing key, as in SplitGuard's {@code If-Match: 0}) and putting on success; a failed
 *       comparison answers 200 without {@code "succeeded": true}.
 *   <li>errors: a non-2xx status with {@code {"error","code","message"}}, {@code code} being the
 *       gRPC status code.
 * </ul>
 *
 * <p>The gateway writes proto field names ({@code mod_revision}); lowerCamel names ({@code
 * modRevision}) are accepted too, so that a gateway configured the other way still parses.
 */
final class EtcdProtocol implements KvProtocol {

  /** gRPC status code names by number, for error codes that read like etcd's own. */
  private static final String[] GRPC_CODES = {
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
    "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
    "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"
  };

  private final ObjectMapper json = new ObjectMapper();

  @Override
  public String name() {
    return "etcd";
  }

  @Override
  public Call put(String key, String value) {
    ObjectNode o = json.createObjectNode();
    o.put("key", b64(key));
    o.put("value", b64(value));
    return post("/v3/kv/put", o);
  }

  @Override
  public Call get(String key, boolean stale) {
    ObjectNode o = json.createObjectNode();
    o.put("key", b64(key));
    if (stale) {
      o.put("serializable", true);
    }
    return post("/v3/kv/range", o);
  }

  @Override
  public Call compareAndSet(String key, String value, long expectedRevision) {
    ObjectNode o = json.createObjectNode();
    ObjectNode compare = o.putArray("compare").addObject();
    compare.put("key", b64(key));
    compare.put("target", "MOD");
    compare.put("result", "EQUAL");
    compare.put("mod_revision", Long.toString(expectedRevision));
    ObjectNode put = o.putArray("success").addObject().putObject("request_put");
    put.put("key", b64(key));
    put.put("value", b64(value));
    return post("/v3/kv/txn", o);
  }

  @Override
  public Reply writeReply(int status, byte[] body) {
    JsonNode doc = tree(body);
    if (!success(status)) {
      return Reply.failed(errorCode(status, doc));
    }
    if (doc == null || !doc.has("header")) {
      return Reply.failed("BAD_ANSWER");
    }
    return new Reply(null, number(doc.path("header").path("revision")), null);
  }

  /** A failed comparison answers 200 and leaves {@code succeeded} out (proto3 JSON omits false). */
  @Override
  public Reply casReply(int status, byte[] body) {
    JsonNode doc = tree(body);
    if (!success(status)) {
      return Reply.failed(errorCode(status, doc));
    }
    if (doc == null || !doc.has("header")) {
      return Reply.failed("BAD_ANSWER");
    }
    if (!doc.path("succeeded").asBoolean(false)) {
      return Reply.failed(CONFLICT);
    }
    return new Reply(null, number(doc.path("header").path("revision")), null);
  }

  @Override
  public Reply readReply(int status, byte[] body) {
    JsonNode doc = tree(body);
    if (!success(status)) {
      return Reply.failed(errorCode(status, doc));
    }
    if (doc == null || !doc.has("header")) {
      return Reply.failed("BAD_ANSWER");
    }
    JsonNode kvs = doc.path("kvs");
    if (!kvs.isArray() || kvs.isEmpty()) {
      return Reply.failed(NOT_FOUND);
    }
    JsonNode kv = kvs.get(0);
    long revision = number(field(kv, "mod_revision", "modRevision"));
    JsonNode value = kv.path("value");
    if (revision < 0) {
      return Reply.failed("BAD_ANSWER");
    }
    // proto3 JSON leaves an empty value out altogether.
    String text = value.isTextual() ? unb64(value.textValue()) : value.isMissingNode() ? "" : null;
    return text == null ? Reply.failed("BAD_ANSWER") : new Reply(null, revision, text);
  }

  @Override
  public Call status() {
    return post("/v3/maintenance/status", json.createObjectNode());
  }

  @Override
  public Optional<Boolean> isLeader(int status, byte[] body) {
    JsonNode doc = success(status) ? tree(body) : null;
    if (doc == null) {
      return Optional.empty();
    }
    String self = field(doc.path("header"), "member_id", "memberId").asText("");
    String leader = doc.path("leader").asText("");
    if (self.isEmpty() || leader.isEmpty() || leader.equals("0")) {
      return Optional.empty();
    }
    return Optional.of(self.equals(leader));
  }

  /** The base64 form of a UTF-8 string, as the gateway expects a protobuf {@code bytes} field. */
  static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The UTF-8 string behind a base64 {@code bytes} field, or null if it is not base64. */
  static String unb64(String b64) {
    try {
      return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private Call post(String path, ObjectNode body) {
    try {
      return new Call("POST", path, json.writeValueAsBytes(body), Map.of());
    } catch (IOException e) {
      throw new IllegalStateException("serialising a JSON tree cannot fail", e);
    }
  }

  private static JsonNode field(JsonNode node, String protoName, String jsonName) {
    JsonNode v = node.path(protoName);
    return v.isMissingNode() ? node.path(jsonName) : v;
  }

  /** A 64-bit number written as a JSON string (or a plain number); -1 if absent or malformed. */
  private static long number(JsonNode n) {
    if (n.isIntegralNumber()) {
      return n.longValue();
    }
    if (n.isTextual()) {
      try {
        return Long.parseLong(n.textValue());
      } catch (NumberFormatException e) {
        return -1;
      }
    }
    return -1;
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

  /** {@code UNAVAILABLE} and so on from the gRPC code; {@code HTTP_<status>} if there is none. */
  private static String errorCode(int status, JsonNode doc) {
    JsonNode code = doc == null ? null : doc.get("code");
    if (code != null && code.canConvertToInt()) {
      int c = code.intValue();
      return c >= 0 && c < GRPC_CODES.length ? GRPC_CODES[c] : "GRPC_" + c;
    }
    return "HTTP_" + status;
  }
}
