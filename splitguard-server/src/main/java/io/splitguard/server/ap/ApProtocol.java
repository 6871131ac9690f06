package io.splitguard.server.ap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.splitguard.core.ap.codec.ApCodec;
import io.splitguard.core.ap.merkle.MerkleTree;
import io.splitguard.core.cluster.NodeId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The messages of the internal node-to-node AP protocol, as bytes: one place that both ends use,
 * so the HTTP transport, the simulation's network and the convergence benchmark exchange exactly
 * the same bytes. Bodies are JSON; values, histories, trees and key summaries inside them are
 * base64 of their binary encodings ({@link ApCodec}, {@link ApWire}).
 *
 * <p>Decoding a request throws {@link IllegalArgumentException} with a message that starts with
 * the offending field ({@code from}, {@code entries[3].value}, {@code ranges[0]}, ...), which the
 * HTTP API answers as a 400 problem. Answers come from a peer and are decoded the same careful way.
 */
public final class ApProtocol {
  /** Most ranges in one range, summaries or fetch request. */
  public static final int MAX_RANGES_PER_REQUEST = 4096;

  /** Most key summaries in one fetch request. */
  public static final int MAX_SUMMARIES_PER_REQUEST = 1 << 20;

  /** The operations, each one endpoint under {@code /v1/internal/ap/}. */
  public enum Operation {
    /** Merge pushed whole states; answered once durable. */
    MERGE("merge"),
    /** The Merkle tree over N ranges, or "equal" when the asker's root matches. */
    DIGEST("digest"),
    /** Every entry of whole ranges. */
    RANGE("range"),
    /** Per range, the 8-byte summaries of the entries in it. */
    SUMMARIES("summaries"),
    /** The entries of the given ranges whose summaries the asker listed. */
    FETCH("fetch");

    private final String path;

    Operation(String name) {
      this.path = "/v1/internal/ap/" + name;
    }

    /** The HTTP path. */
    public String path() {
      return path;
    }
  }

  /**
   * A push.
   *
   * @param from the sending node
   * @param entries whole states
   */
  public record Push(NodeId from, List<ApStore.Entry> entries) {
    /** Copies the list. */
    public Push {
      entries = List.copyOf(entries);
    }
  }

  /**
   * A digest request.
   *
   * @param rangeCount ranges of the tree
   * @param root the asker's root over as many ranges; when it matches, the answer carries no tree
   */
  public record DigestRequest(int rangeCount, Optional<byte[]> root) {}

  /**
   * A request naming ranges ({@link Operation#RANGE}, {@link Operation#SUMMARIES}, {@link
   * Operation#FETCH}).
   *
   * @param rangeCount ranges of the tree the range numbers refer to
   * @param ranges the range numbers
   * @param summaries for {@code FETCH}: the key summaries wanted; empty otherwise
   */
  public record RangeRequest(int rangeCount, List<Integer> ranges, long[] summaries) {
    /** Copies the lists. */
    public RangeRequest {
      ranges = List.copyOf(ranges);
      summaries = summaries.clone();
    }

    /** A request without summaries. */
    public RangeRequest(int rangeCount, List<Integer> ranges) {
      this(rangeCount, ranges, new long[0]);
    }

    /** A copy of the summaries. */
    @Override
    public long[] summaries() {
      return summaries.clone();
    }
  }

  private final ObjectMapper json;

  /** Encodes and decodes with {@code json}. */
  public ApProtocol(ObjectMapper json) {
    this.json = json;
  }

  // ---- merge ------------------------------------------------------------------------------------

  /** The body of a push. */
  public byte[] encodePush(NodeId from, List<ApStore.Entry> entries) {
    ObjectNode body = json.createObjectNode();
    body.put("from", from.value());
    body.set("entries", ApWire.entries(json, entries));
    return write(body);
  }

  /** Decodes a push; {@code from} must name a node {@code isMember} accepts. */
  public Push decodePush(byte[] raw, java.util.function.Predicate<NodeId> isMember) {
    JsonNode body = object(raw, Set.of("from", "entries"), "{\"from\": \"<node id>\", \"entries\": [...]}");
    JsonNode fromNode = body.get("from");
    if (fromNode == null || !fromNode.isTextual()) {
      throw new IllegalArgumentException("from: required, a node id string");
    }
    String from = fromNode.textValue();
    NodeId origin;
    try {
      origin = NodeId.of(from);
    } catch (IllegalArgumentException e) {
      origin = null;
    }
    if (origin == null || !isMember.test(origin)) {
      throw new IllegalArgumentException("from: '" + from + "' is not a member of this cluster");
    }
    return new Push(origin, ApWire.decode(body.get("entries")));
  }

  /** The answer to a push. */
  public byte[] encodeMergeReport(ApStore.MergeReport r) {
    ObjectNode answer = json.createObjectNode();
    answer.put("changed", r.changed());
    answer.put("unchanged", r.unchanged());
    answer.put("refusedClock", r.refusedClock());
    answer.put("refusedType", r.refusedType());
    return write(answer);
  }

  /** Decodes the answer to a push. */
  public ApStore.MergeReport decodeMergeReport(byte[] raw) {
    JsonNode a = read(raw);
    return new ApStore.MergeReport(a.path("changed").asInt(), a.path("unchanged").asInt(),
        a.path("refusedClock").asInt(), a.path("refusedType").asInt());
  }

  // ---- digest -----------------------------------------------------------------------------------

  /** The body of a digest request. */
  public byte[] encodeDigestRequest(DigestRequest r) {
    ObjectNode body = json.createObjectNode();
    body.put("rangeCount", r.rangeCount());
    r.root().ifPresent(root -> body.put("root", HexFormat.of().formatHex(root)));
    return write(body);
  }

  /** Decodes a digest request. */
  public DigestRequest decodeDigestRequest(byte[] raw) {
    JsonNode body = object(raw, Set.of("rangeCount", "root"), "{\"rangeCount\": 256, \"root\": \"<hex>\"}");
    int count = rangeCount(body.path("rangeCount").asText(null), "rangeCount");
    return new DigestRequest(count, root(body.has("root") ? body.get("root").asText() : null));
  }

  /** Parses a root given in hex (a query parameter or a field); null or empty means none. */
  public static Optional<byte[]> root(String hex) {
    if (hex == null || hex.isEmpty()) {
      return Optional.empty();
    }
    try {
      byte[] root = HexFormat.of().parseHex(hex);
      if (root.length != 32) {
        throw new IllegalArgumentException("root: must be 64 hex digits, got " + hex.length());
      }
      return Optional.of(root);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage().startsWith("root:") ? e.getMessage()
          : "root: must be 64 hex digits: " + e.getMessage(), e);
    }
  }

  /** The answer to a digest request: the tree, or only "equal" when the roots match. */
  public byte[] encodeDigest(int rangeCount, Optional<MerkleTree> tree) {
    ObjectNode answer = json.createObjectNode();
    answer.put("rangeCount", rangeCount);
    if (tree.isPresent()) {
      answer.put("tree", Base64.getEncoder().encodeToString(ApCodec.encodeMerkleTree(tree.get())));
    } else {
      answer.put("equal", true);
    }
    return write(answer);
  }

  /** Decodes a digest answer; empty when the peer's root equals the asker's. */
  public Optional<MerkleTree> decodeDigest(byte[] raw, int rangeCount) {
    JsonNode a = read(raw);
    if (a.path("equal").asBoolean(false)) {
      return Optional.empty();
    }
    MerkleTree tree = ApCodec.decodeMerkleTree(Base64.getDecoder().decode(a.path("tree").asText()));
    if (tree.rangeCount() != rangeCount) {
      throw new IllegalArgumentException("peer answered a tree of " + tree.rangeCount() + " ranges, not " + rangeCount);
    }
    return Optional.of(tree);
  }

  // ---- ranges, summaries, fetch ---------------------------------------------------------------

  /** The body of a range, summaries or fetch request. */
  public byte[] encodeRangeRequest(RangeRequest r) {
    ObjectNode body = json.createObjectNode();
    body.put("rangeCount", r.rangeCount());
    ArrayNode list = body.putArray("ranges");
    r.ranges().forEach(list::add);
    long[] summaries = r.summaries();
    if (summaries.length > 0) {
      body.put("summaries", Base64.getEncoder().encodeToString(longs(summaries)));
    }
    return write(body);
  }

  /** Decodes a range, summaries or fetch request ({@code withSummaries}: a fetch). */
  public RangeRequest decodeRangeRequest(byte[] raw, boolean withSummaries) {
    JsonNode body = withSummaries
        ? object(raw, Set.of("rangeCount", "ranges", "summaries"),
            "{\"rangeCount\": 256, \"ranges\": [0, 7], \"summaries\": \"<base64 of 8-byte summaries>\"}")
        : object(raw, Set.of("rangeCount", "ranges"), "{\"rangeCount\": 256, \"ranges\": [0, 7]}");
    int count = rangeCount(body.has("rangeCount") ? body.get("rangeCount").asText() : null, "rangeCount");
    JsonNode list = body.get("ranges");
    if (list == null || !list.isArray() || list.size() > MAX_RANGES_PER_REQUEST) {
      throw new IllegalArgumentException(
          "ranges: must be a JSON array of at most " + MAX_RANGES_PER_REQUEST + " range numbers");
    }
    List<Integer> ranges = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      JsonNode r = list.get(i);
      if (!r.isInt() || r.intValue() < 0 || r.intValue() >= count) {
        throw new IllegalArgumentException("ranges[" + i + "]: must be an integer in [0, " + count + ")");
      }
      ranges.add(r.intValue());
    }
    long[] summaries = new long[0];
    if (withSummaries) {
      JsonNode s = body.get("summaries");
      if (s != null) {
        byte[] bytes;
        try {
          bytes = Base64.getDecoder().decode(s.asText());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("summaries: not base64: " + e.getMessage(), e);
        }
        if (bytes.length % Long.BYTES != 0 || bytes.length / Long.BYTES > MAX_SUMMARIES_PER_REQUEST) {
          throw new IllegalArgumentException("summaries: must be at most " + MAX_SUMMARIES_PER_REQUEST
              + " 8-byte summaries, got " + bytes.length + " bytes");
        }
        summaries = toLongs(bytes);
      }
    }
    return new RangeRequest(count, ranges, summaries);
  }

  /** An answer carrying entries (range and fetch). */
  public byte[] encodeEntries(List<ApStore.Entry> entries) {
    ObjectNode answer = json.createObjectNode();
    answer.set("entries", ApWire.entries(json, entries));
    return write(answer);
  }

  /** Decodes an answer carrying entries; unlike a push, it may hold any number. */
  public List<ApStore.Entry> decodeEntries(byte[] raw) {
    JsonNode entries = read(raw).path("entries");
    if (!entries.isArray()) {
      throw new IllegalArgumentException("entries: must be a JSON array");
    }
    List<ApStore.Entry> out = new ArrayList<>(entries.size());
    for (int from = 0; from < entries.size(); from += ApWire.MAX_ENTRIES) {
      ArrayNode slice = json.createArrayNode();
      for (int i = from; i < Math.min(entries.size(), from + ApWire.MAX_ENTRIES); i++) {
        slice.add(entries.get(i));
      }
      out.addAll(ApWire.decode(slice));
    }
    return out;
  }

  /** The answer to a summaries request: per range, its summaries (ascending, 8 bytes each). */
  public byte[] encodeSummaries(Map<Integer, long[]> summaries) {
    ObjectNode answer = json.createObjectNode();
    ArrayNode list = answer.putArray("ranges");
    summaries.forEach((range, s) -> {
      ObjectNode n = list.addObject();
      n.put("range", range);
      n.put("summaries", Base64.getEncoder().encodeToString(longs(s)));
    });
    return write(answer);
  }

  /** Decodes the answer to a summaries request. */
  public Map<Integer, long[]> decodeSummaries(byte[] raw) {
    Map<Integer, long[]> out = new TreeMap<>();
    for (JsonNode n : read(raw).path("ranges")) {
      byte[] bytes = Base64.getDecoder().decode(n.path("summaries").asText());
      if (bytes.length % Long.BYTES != 0) {
        throw new IllegalArgumentException("summaries of range " + n.path("range").asInt() + ": not 8-byte values");
      }
      out.put(n.path("range").asInt(), toLongs(bytes));
    }
    return out;
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /** Checks a range count: a power of two up to {@link MerkleTree#MAX_RANGES}. */
  public static int rangeCount(String text, String field) {
    try {
      int n = text == null ? -1 : Integer.parseInt(text.trim());
      if (n >= 1 && n <= MerkleTree.MAX_RANGES && Integer.bitCount(n) == 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(field + ": must be a power of two between 1 and "
        + MerkleTree.MAX_RANGES + ", got " + text);
  }

  private static byte[] longs(long[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * Long.BYTES);
    for (long v : values) {
      b.putLong(v);
    }
    return b.array();
  }

  private static long[] toLongs(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    long[] out = new long[bytes.length / Long.BYTES];
    for (int i = 0; i < out.length; i++) {
      out[i] = b.getLong();
    }
    return out;
  }

  private JsonNode object(byte[] raw, Set<String> allowed, String example) {
    if (raw.length == 0) {
      throw new IllegalArgumentException("body: required, expected " + example);
    }
    JsonNode body;
    try {
      body = json.readTree(raw);
    } catch (IOException e) {
      throw new IllegalArgumentException("body: malformed JSON: " + e.getMessage(), e);
    }
    if (body == null || !body.isObject()) {
      throw new IllegalArgumentException("body: must be a JSON object " + example);
    }
    for (var it = body.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!allowed.contains(field)) {
        throw new IllegalArgumentException("body: unknown field '" + field + "' (expected " + example + ")");
      }
    }
    return body;
  }

  private JsonNode read(byte[] raw) {
    try {
      JsonNode n = json.readTree(raw);
      if (n == null || !n.isObject()) {
        throw new IllegalArgumentException("answer is not a JSON object");
      }
      return n;
    } catch (IOException e) {
      throw new IllegalArgumentException("answer is malformed JSON: " + e.getMessage(), e);
    }
  }

  private byte[] write(JsonNode node) {
    try {
      return json.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
