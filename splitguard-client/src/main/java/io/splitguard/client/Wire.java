package io.splitguard.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Translates between the HTTP API's JSON and this package's records and exceptions.
 *
 * <p>Parsing goes through Jackson's tree model rather than data binding so that the public
 * records need no Jackson annotations, unknown fields are ignored by construction, and absent
 * optional fields get the documented defaults ({@code -1}, {@code NaN}) instead of Java's zero.
 * Malformed answers raise {@link IllegalArgumentException}, which the caller turns into {@link
 * UnexpectedResponseException} with the endpoint attached.
 */
final class Wire {

  // Enough of a non-JSON error body to diagnose it without copying a whole HTML page into a message.
  private static final int MAX_DETAIL_CHARS = 300;

  private final ObjectMapper json;

  Wire(ObjectMapper json) {
    this.json = json;
  }

  String putBody(String value) {
    try {
      return json.writeValueAsString(json.createObjectNode().put("value", value));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("value cannot be encoded as JSON", e);
    }
  }

  String addMemberBody(String id, String raft, String api) {
    return write(json.createObjectNode().put("id", id).put("raft", raft).put("api", api));
  }

  String acquireBody(String owner, long ttlMs) {
    return write(json.createObjectNode().put("owner", owner).put("ttlMs", ttlMs));
  }

  String tokenBody(long token) {
    return write(json.createObjectNode().put("token", token));
  }

  String guardedBody(long token, String value) {
    return write(json.createObjectNode().put("token", token).put("value", value));
  }

  String declareBody(String mode, String merge, Long graceMs) {
    var node = json.createObjectNode().put("mode", mode);
    if (merge != null) {
      node.put("merge", merge);
    }
    if (graceMs != null) {
      node.put("graceMs", graceMs);
    }
    return write(node);
  }

  String deltaBody(long delta) {
    return write(json.createObjectNode().put("delta", delta));
  }

  String setBody(java.util.List<String> add, java.util.List<String> remove) {
    var node = json.createObjectNode();
    if (!add.isEmpty()) {
      add.forEach(node.putArray("add")::add);
    }
    if (!remove.isEmpty()) {
      remove.forEach(node.putArray("remove")::add);
    }
    return write(node);
  }

  static ApValues.Register register(JsonNode n) {
    String type = text(n, "type");
    java.util.List<ApValues.Sibling> siblings = new java.util.ArrayList<>();
    if (type.equals("lww")) {
      siblings.add(new ApValues.Sibling(text(n, "value"), text(n, "node"), n.path("clock").toString()));
    } else {
      for (JsonNode s : n.path("siblings")) {
        siblings.add(new ApValues.Sibling(text(s, "value"), text(s, "node"), s.path("context").toString()));
      }
    }
    return new ApValues.Register(text(n, "keyspace"), text(n, "key"), type,
        java.util.Optional.ofNullable(textOrNull(n, "value")), siblings, n.path("conflict").asBoolean(false),
        n.path("stale").asBoolean(false));
  }

  static ApValues.Counter counter(JsonNode n) {
    return new ApValues.Counter(text(n, "keyspace"), text(n, "name"), number(n, "value"),
        n.path("stale").asBoolean(false));
  }

  static ApValues.Set set(JsonNode n) {
    java.util.List<String> elements = new java.util.ArrayList<>();
    for (JsonNode e : n.path("elements")) {
      elements.add(e.asText());
    }
    return new ApValues.Set(text(n, "keyspace"), text(n, "name"), elements, n.path("stale").asBoolean(false));
  }

  static java.util.List<ApValues.Superseded> superseded(JsonNode list) {
    java.util.List<ApValues.Superseded> out = new java.util.ArrayList<>();
    for (JsonNode s : list) {
      out.add(new ApValues.Superseded(text(s, "value"), text(s, "node"), text(s, "reason"), s.path("clock").toString()));
    }
    return out;
  }

  static ApValues.Deletion deletion(JsonNode n) {
    return new ApValues.Deletion(text(n, "keyspace"), text(n, "key"), text(n, "type"), superseded(n.path("removed")));
  }

  static KeyspaceInfo keyspace(JsonNode n) {
    return new KeyspaceInfo(text(n, "name"), text(n, "mode"), java.util.Optional.ofNullable(textOrNull(n, "merge")),
        optionalNumber(n, "graceMs"), number(n, "declaredRevision"));
  }

  static java.util.List<KeyspaceInfo> keyspaces(JsonNode n) {
    java.util.List<KeyspaceInfo> list = new java.util.ArrayList<>();
    for (JsonNode k : n.path("keyspaces")) {
      list.add(keyspace(k));
    }
    return list;
  }

  private String write(JsonNode node) {
    try {
      return json.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("body cannot be encoded as JSON", e);
    }
  }

  JsonNode parse(byte[] body) {
    try {
      JsonNode node = json.readTree(body);
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException("answer is not a JSON object");
      }
      return node;
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("answer is not valid JSON: " + e.getMessage(), e);
    }
  }

  static KvEntry entry(JsonNode n) {
    boolean stale = n.path("stale").asBoolean(false);
    return new KvEntry(
        text(n, "key"),
        text(n, "value"),
        number(n, "revision"),
        optionalNumber(n, "createRevision"),
        stale,
        stale ? optionalNumber(n, "appliedIndex") : -1);
  }

  static LockInfo lockInfo(JsonNode n) {
    boolean stale = n.path("stale").asBoolean(false);
    return new LockInfo(
        text(n, "name"),
        text(n, "owner"),
        number(n, "token"),
        optionalNumber(n, "ttlMs"),
        number(n, "expiresAtMs"),
        n.path("expired").asBoolean(false),
        optionalNumber(n, "remainingMs"),
        stale,
        stale ? optionalNumber(n, "appliedIndex") : -1);
  }

  static GuardedValue guardedValue(JsonNode n) {
    boolean stale = n.path("stale").asBoolean(false);
    return new GuardedValue(
        text(n, "resource"),
        text(n, "value"),
        number(n, "token"),
        optionalNumber(n, "revision"),
        stale,
        stale ? optionalNumber(n, "appliedIndex") : -1);
  }

  static long deleteRevision(JsonNode n) {
    return number(n, "revision");
  }

  static Status status(JsonNode n) {
    List<Member> members = new ArrayList<>();
    for (JsonNode m : n.path("members")) {
      JsonNode phi = m.get("phi");
      members.add(
          new Member(
              text(m, "id"),
              m.path("address").asText(""),
              m.path("reachable").asBoolean(false),
              phi != null && phi.isNumber() ? phi.doubleValue() : Double.NaN,
              m.path("self").asBoolean(false),
              optionalNumber(m, "lastHeartbeatAgeMs")));
    }
    JsonNode leader = n.get("leaderId");
    return new Status(
        text(n, "nodeId"),
        n.path("role").asText(""),
        leader == null || leader.isNull() ? null : leader.asText(),
        optionalNumber(n, "term"),
        n.path("partitionStatus").asText(""),
        quorum(n.get("quorum")),
        n.path("fenced").asBoolean(false),
        members,
        optionalNumber(n, "appliedIndex"),
        optionalNumber(n, "commitIndex"));
  }

  /**
   * The node's {@code quorum} flag. Only a JSON {@code true} counts: Jackson's lenient {@code
   * asBoolean} would also accept the string {@code "true"} or a non-zero number, and a status
   * screen that reports a quorum the node never claimed is worse than one that reports none.
   */
  private static boolean quorum(JsonNode quorum) {
    return quorum != null && quorum.isBoolean() && quorum.booleanValue();
  }

  /**
   * Maps a non-2xx answer to the exception for its problem code. The code, not the HTTP status,
   * decides: a 404 without {@code "code": "NOT_FOUND"} is not proof that a key is missing (it may
   * come from a proxy or a server that is not a SplitGuard node), so it becomes an {@link
   * UnexpectedResponseException}.
   */
  SplitGuardException problem(URI endpoint, int status, HttpHeaders headers, byte[] body) {
    JsonNode doc = null;
    try {
      JsonNode parsed = json.readTree(body);
      if (parsed != null && parsed.isObject()) {
        doc = parsed;
      }
    } catch (java.io.IOException ignored) {
      // Not a problem document; the raw body becomes the detail below.
    }
    String code = doc == null ? null : textOrNull(doc, "code");
    String detail;
    if (doc != null) {
      String d = textOrNull(doc, "detail");
      detail = d != null ? d : doc.path("title").asText("");
    } else {
      String raw = new String(body, StandardCharsets.UTF_8).strip();
      detail = raw.length() > MAX_DETAIL_CHARS ? raw.substring(0, MAX_DETAIL_CHARS) + "..." : raw;
    }
    String traceId = doc == null ? null : textOrNull(doc, "traceId");
    Problem p =
        new Problem(code == null ? "UNEXPECTED_RESPONSE" : code, status, detail, traceId, endpoint);
    if (code == null) {
      return new UnexpectedResponseException(p);
    }
    return switch (code) {
      case "PARTITIONED" -> new PartitionedException(p, retryAfter(headers));
      case "NOT_LEADER" ->
          new NotLeaderException(p, textOrNull(doc, "leader"), textOrNull(doc, "leaderAddress"));
      case "FENCED" ->
          new FencedException(
              p, longOrNull(doc, "highestToken"), longOrNull(doc, "currentToken"),
              textOrNull(doc, "reason"));
      case "CONFLICT" ->
          new ConflictException(p, longOrNull(doc, "currentRevision"), holder(doc));
      case "NOT_FOUND" -> new NotFoundException(p);
      case "BAD_REQUEST" -> new BadRequestException(p);
      case "UNAUTHORIZED", "FORBIDDEN" -> new AuthException(p);
      case "TIMEOUT" -> new OutcomeUnknownException(p, null);
      default -> new UnexpectedResponseException(p);
    };
  }

  /**
   * {@code Retry-After} in delta-seconds. The HTTP-date form is ignored: honouring it would need
   * the wall clock, which the client deliberately does not read.
   */
  static Duration retryAfter(HttpHeaders headers) {
    String value = headers.firstValue("Retry-After").orElse(null);
    if (value == null) {
      return null;
    }
    try {
      long seconds = Long.parseLong(value.strip());
      return seconds >= 0 ? Duration.ofSeconds(seconds) : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static Long longOrNull(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v != null && v.isIntegralNumber() && v.canConvertToLong() ? v.longValue() : null;
  }

  /** The holder a lock {@code CONFLICT} names, or null for other conflicts. */
  private static LockInfo holder(JsonNode doc) {
    JsonNode name = doc.get("name");
    JsonNode owner = doc.get("owner");
    Long token = longOrNull(doc, "token");
    Long expires = longOrNull(doc, "expiresAtMs");
    if (name == null || !name.isTextual() || owner == null || !owner.isTextual() || token == null
        || expires == null) {
      return null;
    }
    return new LockInfo(name.textValue(), owner.textValue(), token, -1, expires, false,
        optionalNumber(doc, "remainingMs"), false, -1);
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException("answer lacks string field \"" + field + "\"");
    }
    return v.textValue();
  }

  private static String textOrNull(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static long number(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new IllegalArgumentException("answer lacks integer field \"" + field + "\"");
    }
    return v.longValue();
  }

  private static long optionalNumber(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v != null && v.isIntegralNumber() && v.canConvertToLong() ? v.longValue() : -1;
  }
}
