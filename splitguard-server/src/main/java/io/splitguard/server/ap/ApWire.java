package io.splitguard.server.ap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.splitguard.core.ap.codec.ApCodec;
import io.splitguard.core.ap.crdt.Mergeable;
import io.splitguard.core.ap.crdt.Superseded;
import io.splitguard.core.keyspace.Keyspace;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The JSON of the internal node-to-node AP endpoints: each entry is its keyspace and the value's
 * canonical {@link ApCodec} encoding in base64, so peers exchange exactly the bytes the merge and
 * the Merkle digests are defined over.
 */
public final class ApWire {
  /** Most entries accepted in one merge request (bounded batches). */
  public static final int MAX_ENTRIES = 1000;

  /** Most superseded values accepted per entry. */
  public static final int MAX_HISTORY = 100_000;

  private ApWire() {}

  /** Encodes entries as a JSON array. */
  public static ArrayNode entries(ObjectMapper json, List<ApStore.Entry> entries) {
    ArrayNode list = json.createArrayNode();
    for (ApStore.Entry e : entries) {
      ObjectNode n = list.addObject();
      n.put("keyspace", e.keyspace());
      n.put("value", Base64.getEncoder().encodeToString(ApCodec.encodeValue(e.value())));
      if (!e.history().isEmpty()) {
        ArrayNode history = n.putArray("history");
        for (Superseded s : e.history()) {
          history.add(Base64.getEncoder().encodeToString(ApCodec.encodeSuperseded(s)));
        }
      }
    }
    return list;
  }

  /**
   * Decodes a JSON array written by {@link #entries}.
   *
   * @throws IllegalArgumentException naming the entry at fault if anything is malformed
   */
  public static List<ApStore.Entry> decode(JsonNode list) {
    if (list == null || !list.isArray()) {
      throw new IllegalArgumentException("entries: must be a JSON array");
    }
    if (list.size() > MAX_ENTRIES) {
      throw new IllegalArgumentException("entries: at most " + MAX_ENTRIES + " per request, got " + list.size());
    }
    List<ApStore.Entry> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      JsonNode n = list.get(i);
      String where = "entries[" + i + "]";
      if (!n.isObject() || !n.path("keyspace").isTextual() || !n.path("value").isTextual()) {
        throw new IllegalArgumentException(where + ": must be {\"keyspace\": \"...\", \"value\": \"<base64>\"}");
      }
      String keyspace = n.get("keyspace").textValue();
      if (Keyspace.nameProblem(keyspace) != null) {
        throw new IllegalArgumentException(where + ".keyspace: " + Keyspace.nameProblem(keyspace));
      }
      Mergeable<?> value;
      try {
        value = ApCodec.decodeValue(Base64.getDecoder().decode(n.get("value").textValue()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ".value: " + e.getMessage(), e);
      }
      List<Superseded> history = new ArrayList<>();
      JsonNode h = n.get("history");
      if (h != null) {
        if (!h.isArray() || h.size() > MAX_HISTORY) {
          throw new IllegalArgumentException(where + ".history: must be an array of at most " + MAX_HISTORY + " values");
        }
        for (int j = 0; j < h.size(); j++) {
          try {
            Superseded s = ApCodec.decodeSuperseded(Base64.getDecoder().decode(h.get(j).asText()));
            if (!s.key().equals(value.key())) {
              throw new IllegalArgumentException("superseded value of key '" + s.key() + "', not '" + value.key() + "'");
            }
            history.add(s);
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ".history[" + j + "]: " + e.getMessage(), e);
          }
        }
      }
      out.add(new ApStore.Entry(keyspace, value, history));
    }
    return out;
  }
}
