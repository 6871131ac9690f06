package io.splitguard.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.splitguard.core.cluster.ClusterMember;
import io.splitguard.core.cluster.ClusterSpec;
import io.splitguard.core.cluster.HostPort;
import io.splitguard.core.cluster.NodeId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads the cluster file: YAML (and therefore also JSON) of the form
 *
 * <pre>
 * cluster:
 *   name: splitguard          # optional, default "splitguard"
 *   members:
 *     - {id: n1, raft: "127.0.0.1:9101", api: "127.0.0.1:8101"}
 * </pre>
 *
 * <p>Every error names the file and the field, e.g. {@code cluster.members[1].raft}.
 */
public final class ClusterFile {
  /** Cluster name used when the file gives none. */
  public static final String DEFAULT_NAME = "splitguard";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private ClusterFile() {}

  /**
   * The parsed file.
   *
   * @param name the cluster name (scopes the Raft group and heartbeats)
   * @param spec the members
   */
  public record Parsed(String name, ClusterSpec spec) {}

  /**
   * Reads and validates {@code file}.
   *
   * @throws ConfigFileException naming the file and the field at fault
   */
  public static Parsed read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigFileException("cannot read cluster file " + file + ": " + e);
    }
    return parse(file.toString(), text);
  }

  /** Parses cluster-file text; {@code source} names it in errors. */
  public static Parsed parse(String source, String text) {
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (IOException e) {
      throw new ConfigFileException(source + ": not valid YAML or JSON: " + firstLine(e.getMessage()));
    }
    if (root == null || !root.isObject()) {
      throw new ConfigFileException(source + ": expected a mapping with a 'cluster' key");
    }
    rejectUnknown(source, "", root, Set.of("cluster"));
    JsonNode cluster = root.get("cluster");
    if (cluster == null || !cluster.isObject()) {
      throw new ConfigFileException(source + ": 'cluster' is missing or not a mapping");
    }
    rejectUnknown(source, "cluster.", cluster, Set.of("name", "members"));
    String name = DEFAULT_NAME;
    if (cluster.has("name")) {
      JsonNode n = cluster.get("name");
      if (!n.isTextual() || n.asText().isBlank()) {
        throw new ConfigFileException(source + ": cluster.name must be a non-empty string");
      }
      name = n.asText();
    }
    JsonNode members = cluster.get("members");
    if (members == null || !members.isArray() || members.isEmpty()) {
      throw new ConfigFileException(source + ": cluster.members must be a non-empty list");
    }
    List<ClusterMember> parsed = new ArrayList<>();
    for (int i = 0; i < members.size(); i++) {
      String at = "cluster.members[" + i + "]";
      JsonNode m = members.get(i);
      if (!m.isObject()) {
        throw new ConfigFileException(source + ": " + at + " must be a mapping {id, raft, api}");
      }
      rejectUnknown(source, at + ".", m, Set.of("id", "raft", "api"));
      NodeId id = field(source, at + ".id", m.get("id"), NodeId::of);
      HostPort raft = field(source, at + ".raft", m.get("raft"), HostPort::parse);
      HostPort api = field(source, at + ".api", m.get("api"), HostPort::parse);
      parsed.add(new ClusterMember(id, raft, api));
    }
    try {
      return new Parsed(name, new ClusterSpec(parsed));
    } catch (IllegalArgumentException e) {
      throw new ConfigFileException(source + ": " + e.getMessage());
    }
  }

  private static <T> T field(
      String source, String field, JsonNode node, java.util.function.Function<String, T> parser) {
    String text = text(source, field, node);
    try {
      return parser.apply(text);
    } catch (IllegalArgumentException e) {
      throw new ConfigFileException(source + ": " + field + ": " + e.getMessage());
    }
  }

  private static String text(String source, String field, JsonNode node) {
    if (node == null || node.isNull()) {
      throw new ConfigFileException(source + ": " + field + " is required");
    }
    if (!node.isValueNode()) {
      throw new ConfigFileException(source + ": " + field + " must be a string");
    }
    return node.asText();
  }

  static void rejectUnknown(String source, String prefix, JsonNode node, Set<String> known) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!known.contains(field)) {
        throw new ConfigFileException(
            source + ": unknown field '" + prefix + field + "' (known: " + known + ")");
      }
    }
  }

  static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
