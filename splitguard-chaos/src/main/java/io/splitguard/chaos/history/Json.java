package io.splitguard.chaos.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/** JSON helpers of this package. ObjectReader/ObjectWriter are immutable, so sharing them is safe. */
final class Json {
  static final ObjectReader READER = new ObjectMapper().reader();
  static final ObjectWriter WRITER = new ObjectMapper().writer();
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Json() {}

  /** A {@link Value} as JSON. */
  static JsonNode toJson(Value value) {
    if (value instanceof Value.Text t) {
      return NODES.textNode(t.text());
    }
    if (value instanceof Value.Swap s) {
      ArrayNode pair = NODES.arrayNode();
      pair.add(s.expected() == null ? NODES.nullNode() : NODES.textNode(s.expected()));
      pair.add(s.replacement() == null ? NODES.nullNode() : NODES.textNode(s.replacement()));
      return pair;
    }
    return NODES.nullNode();
  }

  /** Text of a JSON node as kept in extras: a string's text, other JSON compact. */
  static String extraText(JsonNode node) {
    return node.isTextual() ? node.textValue() : node.toString();
  }

  /** Puts extras after the defined fields; a string-looking extra is written as a string. */
  static void putExtras(ObjectNode node, Map<String, ?> extra) {
    for (Map.Entry<String, ?> e : extra.entrySet()) {
      if (node.has(e.getKey())) {
        throw new IllegalArgumentException("extra field \"" + e.getKey() + "\" clashes with a defined field");
      }
      Object v = e.getValue();
      if (v == null) {
        node.putNull(e.getKey());
      } else if (v instanceof String s) {
        node.put(e.getKey(), s);
      } else if (v instanceof Long l) {
        node.put(e.getKey(), l);
      } else if (v instanceof Integer i) {
        node.put(e.getKey(), i);
      } else if (v instanceof Boolean b) {
        node.put(e.getKey(), b);
      } else if (v instanceof JsonNode j) {
        node.set(e.getKey(), j.deepCopy());
      } else {
        node.put(e.getKey(), v.toString());
      }
    }
  }
}
