package io.splitguard.chaos.history;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Reads history files and guarded-writes files (JSON lines, UTF-8; blank lines are skipped).
 * Malformed content raises {@link HistoryFormatException} naming the line and the field.
 */
public final class HistoryReader {
  private static final Set<String> CLIENT_FIELDS = Set.of("process", "type", "f", "key", "value", "time",
      "token");

  private HistoryReader() {}

  /**
   * Reads and pairs a history file; pairing errors also name the line.
   *
   * @throws IOException when the file cannot be read
   * @throws HistoryFormatException when a line is malformed or breaks the pairing rules of {@link
   *     History#pair}
   */
  public static History readHistory(Path file) throws IOException {
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      List<Long> lines = new ArrayList<>();
      List<HistoryEvent> events = read(in, lines);
      return History.pair(events, lines.stream().mapToLong(Long::longValue).toArray());
    }
  }

  /**
   * Reads the events of a history file, without pairing them.
   *
   * @throws IOException when the file cannot be read
   * @throws HistoryFormatException when a line is malformed
   */
  public static List<HistoryEvent> read(Path file) throws IOException {
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return read(in);
    }
  }

  /**
   * Reads the events of a history from a character stream (not closed).
   *
   * @throws IOException when the stream cannot be read
   * @throws HistoryFormatException when a line is malformed
   */
  public static List<HistoryEvent> read(Reader in) throws IOException {
    return read(in, null);
  }

  private static List<HistoryEvent> read(Reader in, List<Long> linesOut) throws IOException {
    BufferedReader reader = in instanceof BufferedReader b ? b : new BufferedReader(in);
    List<HistoryEvent> events = new ArrayList<>();
    long lineNo = 0;
    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      events.add(parseEvent(line, lineNo));
      if (linesOut != null) {
        linesOut.add(lineNo);
      }
    }
    return events;
  }

  /**
   * Parses one line of a history file.
   *
   * @param lineNo used in error messages
   * @throws HistoryFormatException when the line is malformed
   */
  public static HistoryEvent parseEvent(String line, long lineNo) {
    JsonNode node = parseObject(line, lineNo);
    JsonNode process = node.get("process");
    if (process == null || process.isNull()) {
      throw new HistoryFormatException(lineNo, "process", "missing");
    }
    EventType type = parseEnum(node, "type", lineNo, EventType::fromWire);
    long time = requireLong(node, "time", lineNo);
    Map<String, String> extra = extras(node, CLIENT_FIELDS);
    if (process.isTextual() && process.textValue().equals("nemesis")) {
      JsonNode f = node.get("f");
      if (f == null || !f.isTextual()) {
        throw new HistoryFormatException(lineNo, "f", "a nemesis event needs a string f, got " + f);
      }
      JsonNode value = node.get("value");
      String text = value == null || value.isNull() ? null : Json.extraText(value);
      if (node.has("key")) {
        extra = new LinkedHashMap<>(extra);
        extra.put("key", Json.extraText(node.get("key")));
      }
      return new NemesisEvent(type, f.textValue(), text, time, extra);
    }
    if (!process.isInt()) {
      throw new HistoryFormatException(lineNo, "process",
          "must be an integer or \"nemesis\", got " + process);
    }
    Fn f = parseEnum(node, "f", lineNo, Fn::fromWire);
    JsonNode key = node.get("key");
    if (key == null || !key.isTextual()) {
      throw new HistoryFormatException(lineNo, "key", "must be a string, got " + key);
    }
    Value value = parseValue(node.get("value"), lineNo);
    OptionalLong token = OptionalLong.empty();
    if (node.has("token") && !node.get("token").isNull()) {
      token = OptionalLong.of(requireLong(node, "token", lineNo));
    }
    return new ClientEvent(process.intValue(), type, f, key.textValue(), value, time, token, extra);
  }

  /**
   * Reads a guarded-writes file.
   *
   * @throws IOException when the file cannot be read
   * @throws HistoryFormatException when a line is malformed
   */
  public static List<GuardedWrite> readGuarded(Path file) throws IOException {
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      List<GuardedWrite> writes = new ArrayList<>();
      long lineNo = 0;
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        lineNo++;
        if (!line.isBlank()) {
          writes.add(parseGuarded(line, lineNo));
        }
      }
      return writes;
    }
  }

  /**
   * Parses one line of a guarded-writes file.
   *
   * @param lineNo used in error messages
   * @throws HistoryFormatException when the line is malformed
   */
  public static GuardedWrite parseGuarded(String line, long lineNo) {
    JsonNode node = parseObject(line, lineNo);
    JsonNode resource = node.get("resource");
    if (resource == null || !resource.isTextual()) {
      throw new HistoryFormatException(lineNo, "resource", "must be a string, got " + resource);
    }
    long token = requireLong(node, "token", lineNo);
    long time = requireLong(node, "time", lineNo);
    JsonNode value = node.get("value");
    if (value != null && !value.isNull() && !value.isTextual()) {
      throw new HistoryFormatException(lineNo, "value", "must be a string or null, got " + value);
    }
    OptionalInt process = OptionalInt.empty();
    JsonNode p = node.get("process");
    if (p != null && !p.isNull()) {
      if (!p.isInt()) {
        throw new HistoryFormatException(lineNo, "process", "must be an integer, got " + p);
      }
      process = OptionalInt.of(p.intValue());
    }
    OptionalLong invokeTime = OptionalLong.empty();
    if (node.has("invokeTime") && !node.get("invokeTime").isNull()) {
      long t = requireLong(node, "invokeTime", lineNo);
      if (t > time) {
        throw new HistoryFormatException(lineNo, "invokeTime",
            t + " is after the acknowledgement time " + time);
      }
      invokeTime = OptionalLong.of(t);
    }
    return new GuardedWrite(resource.textValue(), token,
        value == null || value.isNull() ? null : value.textValue(), time, process, invokeTime);
  }

  private static JsonNode parseObject(String line, long lineNo) {
    JsonNode node;
    try {
      node = Json.READER.readTree(line);
    } catch (JsonProcessingException e) {
      throw new HistoryFormatException(lineNo, null, "not valid JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new HistoryFormatException(lineNo, null, "expected a JSON object, got " + node);
    }
    return node;
  }

  private static long requireLong(JsonNode node, String field, long lineNo) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw new HistoryFormatException(lineNo, field, "missing");
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new HistoryFormatException(lineNo, field, "must be an integer (nanoseconds or count), got " + v);
    }
    return v.longValue();
  }

  private interface WireParser<T> {
    T parse(String wire);
  }

  private static <T> T parseEnum(JsonNode node, String field, long lineNo, WireParser<T> parser) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw new HistoryFormatException(lineNo, field, "missing");
    }
    if (!v.isTextual()) {
      throw new HistoryFormatException(lineNo, field, "must be a string, got " + v);
    }
    try {
      return parser.parse(v.textValue());
    } catch (IllegalArgumentException e) {
      throw new HistoryFormatException(lineNo, field, e.getMessage());
    }
  }

  private static Value parseValue(JsonNode v, long lineNo) {
    if (v == null || v.isNull()) {
      return Value.MISSING;
    }
    if (v.isTextual()) {
      return new Value.Text(v.textValue());
    }
    if (v.isArray() && v.size() == 2 && stringOrNull(v.get(0)) && stringOrNull(v.get(1))) {
      return new Value.Swap(v.get(0).isNull() ? null : v.get(0).textValue(),
          v.get(1).isNull() ? null : v.get(1).textValue());
    }
    throw new HistoryFormatException(lineNo, "value",
        "must be a string, null or [expected, new] of strings, got " + v);
  }

  private static boolean stringOrNull(JsonNode n) {
    return n.isNull() || n.isTextual();
  }

  private static Map<String, String> extras(JsonNode node, Set<String> known) {
    Map<String, String> extra = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (!known.contains(e.getKey())) {
        extra.put(e.getKey(), Json.extraText(e.getValue()));
      }
    }
    return extra;
  }
}
