package io.splitguard.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.splitguard.core.config.NodeSettings;
import io.splitguard.core.membership.MembershipSettings;
import io.splitguard.server.ap.ApSettings;
import io.splitguard.server.ap.ApStoreSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import io.splitguard.core.detector.DetectorProfile;
import io.splitguard.core.detector.DetectorSettings;
import io.splitguard.core.fencing.FencingSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads node settings (the {@code --config} file): YAML or JSON, every key optional, each
 * defaulting to {@link NodeSettings#defaults()}. Durations are written with a unit ({@code 100ms},
 * {@code 2s}, {@code 1m}). Example:
 *
 * <pre>
 * detectorProfile: lan        # lan (default), strict or dev: defaults of the detector keys
 * heartbeatInterval: 100ms
 * electionTimeoutMin: 1s
 * electionTimeoutMax: 2s
 * promptElection: true      # followers elect as soon as a majority agrees the leader is silent
 * requestTimeout: 5s
 * maxValueBytes: 1048576
 * fencing:
 *   lease: 650ms
 *   maxClockDrift: 50ms
 *   actuatorTimeout: 250ms
 *   pauseThreshold: 300ms
 *   file: /run/myservice/primary
 *   command: [/usr/local/bin/demote-db, --now]
 * ap:
 *   maxClockOffset: 500ms
 *   pushInterval: 100ms
 *   antiEntropyInterval: 5s
 *   historyMaxEntries: 100
 *   snapshotEveryRecords: 10000
 * </pre>
 *
 * <p>The {@code ap} section is read by {@link #readAp} into {@link ApSettings}.
 *
 * <p>The result is validated ({@link NodeSettings#validate()}): an unsafe combination is refused
 * with the numbers that make it unsafe.
 */
public final class SettingsFile {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m)");

  private static final Set<String> KNOWN = Set.of(
      "heartbeatInterval", "electionTimeoutMin", "electionTimeoutMax", "phiThreshold",
      "minStdDeviation", "acceptablePause", "requestTimeout", "maxKeyBytes", "maxValueBytes",
      "snapshotThresholdEntries", "fencing", "detectorProfile", "ap",
      "membership", "promptElection");

  private static final Set<String> KNOWN_AP = Set.of("maxClockOffset", "pushInterval", "antiEntropyInterval",
      "historyMaxEntries", "snapshotEveryRecords");

  private static final Set<String> KNOWN_FENCING = Set.of(
      "lease", "maxClockDrift", "actuatorTimeout", "pauseThreshold", "file", "command");

  private SettingsFile() {}

  private static String text(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new ConfigFileException("cannot read config file " + file + ": " + e);
    }
  }

  private static JsonNode tree(String source, String text) {
    try {
      return YAML.readTree(text);
    } catch (IOException e) {
      throw new ConfigFileException(source + ": not valid YAML or JSON: " + ClusterFile.firstLine(e.getMessage()));
    }
  }

  /** Reads and validates {@code file}. */
  public static NodeSettings read(Path file) {
    return parse(file.toString(), text(file));
  }

  /** Parses settings text; {@code source} names it in errors. */
  public static NodeSettings parse(String source, String text) {
    JsonNode root = tree(source, text);
    NodeSettings d = NodeSettings.defaults();
    if (root == null || root.isNull() || root.isMissingNode()) {
      return d.validate();
    }
    if (!root.isObject()) {
      throw new ConfigFileException(source + ": expected a mapping of setting names to values");
    }
    ClusterFile.rejectUnknown(source, "", root, KNOWN);
    d = withProfile(source, root.get("detectorProfile"), d);
    NodeSettings s = new NodeSettings(
        duration(source, root, "heartbeatInterval", d.heartbeatInterval()),
        duration(source, root, "electionTimeoutMin", d.electionTimeoutMin()),
        duration(source, root, "electionTimeoutMax", d.electionTimeoutMax()),
        number(source, root, "phiThreshold", d.phiThreshold()),
        duration(source, root, "minStdDeviation", d.minStdDeviation()),
        duration(source, root, "acceptablePause", d.acceptablePause()),
        duration(source, root, "requestTimeout", d.requestTimeout()),
        (int) integer(source, root, "maxKeyBytes", d.maxKeyBytes()),
        (int) integer(source, root, "maxValueBytes", d.maxValueBytes()),
        integer(source, root, "snapshotThresholdEntries", d.snapshotThresholdEntries()),
        fencing(source, root.get("fencing"), d.fencing()));
    return s.validate();
  }

  /** Reads the {@code ap} section of {@code file} (defaults where absent). */
  public static ApSettings readAp(Path file) {
    return parseAp(file.toString(), text(file));
  }

  /** Parses the {@code ap} section of settings text; {@code source} names it in errors. */
  public static ApSettings parseAp(String source, String text) {
    JsonNode root = tree(source, text);
    ApSettings d = ApSettings.defaults();
    JsonNode ap = root == null ? null : root.get("ap");
    if (ap == null || ap.isNull()) {
      return d;
    }
    if (!ap.isObject()) {
      throw new ConfigFileException(source + ": ap must be a mapping of " + KNOWN_AP);
    }
    ClusterFile.rejectUnknown(source, "ap.", ap, KNOWN_AP);
    try {
      return new ApSettings(
          duration(source, ap, "maxClockOffset", d.maxClockOffset(), "ap."),
          duration(source, ap, "pushInterval", d.pushInterval(), "ap."),
          duration(source, ap, "antiEntropyInterval", d.antiEntropyInterval(), "ap."),
          new ApStoreSettings(
              apInt(source, ap, "historyMaxEntries", d.store().historyMaxEntries()),
              apInt(source, ap, "snapshotEveryRecords", d.store().snapshotEveryRecords())));
    } catch (IllegalArgumentException e) {
      throw new ConfigFileException(source + ": " + e.getMessage());
    }
  }

  private static int apInt(String source, JsonNode ap, String field, int fallback) {
    JsonNode v = ap.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.canConvertToInt() || !v.isIntegralNumber()) {
      throw new ConfigFileException(source + ": ap." + field + " must be an integer, got '" + v.asText() + "'");
    }
    return v.intValue();
  }

  private static final Set<String> KNOWN_MEMBERSHIP = Set.of("autoDemote", "autoPromote", "unhealthyAfter",
      "grace", "stabilityWindow", "maxLagEntries", "recoverAfter", "maxPromotionLagEntries");

  /** Reads and validates the {@code membership} section of {@code file} (defaults where absent). */
  public static MembershipSettings readMembership(Path file) {
    return parseMembership(file.toString(), text(file));
  }

  /** Parses and validates the {@code membership} section of settings text. */
  public static MembershipSettings parseMembership(String source, String text) {
    JsonNode root = tree(source, text);
    MembershipSettings d = MembershipSettings.defaults();
    JsonNode m = root == null ? null : root.get("membership");
    if (m == null || m.isNull()) {
      return d;
    }
    if (!m.isObject()) {
      throw new ConfigFileException(source + ": membership must be a mapping of " + KNOWN_MEMBERSHIP);
    }
    ClusterFile.rejectUnknown(source, "membership.", m, KNOWN_MEMBERSHIP);
    try {
      return new MembershipSettings(
          bool(source, m, "autoDemote", d.autoDemote()),
          bool(source, m, "autoPromote", d.autoPromote()),
          duration(source, m, "unhealthyAfter", d.unhealthyAfter(), "membership."),
          duration(source, m, "grace", d.grace(), "membership."),
          duration(source, m, "stabilityWindow", d.stabilityWindow(), "membership."),
          integer(source, m, "maxLagEntries", d.maxLagEntries()),
          duration(source, m, "recoverAfter", d.recoverAfter(), "membership."),
          integer(source, m, "maxPromotionLagEntries", d.maxPromotionLagEntries())).validate();
    } catch (IllegalArgumentException e) {
      throw new ConfigFileException(source + ": " + e.getMessage());
    }
  }

  /** Reads the {@code promptElection} switch of {@code file} ({@code true} where absent). */
  public static boolean readPromptElection(Path file) {
    return parsePromptElection(file.toString(), text(file));
  }

  /** Parses the {@code promptElection} switch of settings text ({@code true} where absent). */
  public static boolean parsePromptElection(String source, String text) {
    JsonNode root = tree(source, text);
    JsonNode v = root == null || !root.isObject() ? null : root.get("promptElection");
    if (v == null || v.isNull()) {
      return true;
    }
    if (!v.isBoolean()) {
      throw new ConfigFileException(source + ": promptElection must be true or false, got '" + v.asText() + "'");
    }
    return v.booleanValue();
  }

  private static boolean bool(String source, JsonNode node, String field, boolean fallback) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isBoolean()) {
      throw new ConfigFileException(source + ": membership." + field + " must be true or false");
    }
    return v.booleanValue();
  }

  /**
   * Parses a duration such as {@code 250ms}, {@code 2s} or {@code 1m}.
   *
   * @throws IllegalArgumentException if the text is not such a duration
   */
  public static Duration parseDuration(String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a duration like 250ms, 2s or 1m");
    }
    long n = Long.parseLong(m.group(1));
    switch (m.group(2)) {
      case "ms":
        return Duration.ofMillis(n);
      case "s":
        return Duration.ofSeconds(n);
      default:
        return Duration.ofMinutes(n);
    }
  }

  /**
   * A named detector profile sets the defaults of the detector keys; keys given explicitly still
   * win.
   */
  private static NodeSettings withProfile(String source, JsonNode node, NodeSettings d) {
    if (node == null || node.isNull()) {
      return d;
    }
    DetectorProfile profile;
    try {
      profile = DetectorProfile.parse(node.asText());
    } catch (IllegalArgumentException e) {
      throw new ConfigFileException(source + ": detectorProfile: " + e.getMessage());
    }
    DetectorSettings p = profile.settings();
    return new NodeSettings(p.heartbeatInterval(), d.electionTimeoutMin(), d.electionTimeoutMax(),
        p.threshold(), p.minStdDeviation(), p.acceptablePause(), d.requestTimeout(), d.maxKeyBytes(),
        d.maxValueBytes(), d.snapshotThresholdEntries(), d.fencing());
  }

  private static FencingSettings fencing(String source, JsonNode node, FencingSettings d) {
    if (node == null || node.isNull()) {
      return d;
    }
    if (!node.isObject()) {
      throw new ConfigFileException(source + ": fencing must be a mapping of " + KNOWN_FENCING);
    }
    ClusterFile.rejectUnknown(source, "fencing.", node, KNOWN_FENCING);
    Optional<Path> file = d.file();
    JsonNode f = node.get("file");
    if (f != null && !f.isNull()) {
      if (!f.isTextual() || f.asText().isBlank()) {
        throw new ConfigFileException(source + ": fencing.file must be a path");
      }
      file = Optional.of(Path.of(f.asText()));
    }
    List<String> command = d.command();
    JsonNode c = node.get("command");
    if (c != null && !c.isNull()) {
      if (!c.isArray() || c.isEmpty()) {
        throw new ConfigFileException(source + ": fencing.command must be a non-empty list: "
            + "the program, then its arguments (no shell)");
      }
      List<String> words = new ArrayList<>();
      for (int i = 0; i < c.size(); i++) {
        if (!c.get(i).isValueNode() || c.get(i).asText().isBlank()) {
          throw new ConfigFileException(source + ": fencing.command[" + i + "] must be a non-empty string");
        }
        words.add(c.get(i).asText());
      }
      command = words;
    }
    return new FencingSettings(
        duration(source, node, "lease", d.lease(), "fencing."),
        duration(source, node, "maxClockDrift", d.maxClockDrift(), "fencing."),
        duration(source, node, "actuatorTimeout", d.actuatorTimeout(), "fencing."),
        duration(source, node, "pauseThreshold", d.pauseThreshold(), "fencing."),
        file, command);
  }

  private static Duration duration(String source, JsonNode root, String field, Duration fallback) {
    return duration(source, root, field, fallback, "");
  }

  private static Duration duration(
      String source, JsonNode root, String field, Duration fallback, String prefix) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      return fallback;
    }
    try {
      return parseDuration(n.asText());
    } catch (IllegalArgumentException e) {
      throw new ConfigFileException(source + ": " + prefix + field + ": " + e.getMessage());
    }
  }

  private static double number(String source, JsonNode root, String field, double fallback) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      return fallback;
    }
    if (!n.isNumber()) {
      throw new ConfigFileException(source + ": " + field + " must be a number, got '" + n.asText() + "'");
    }
    return n.asDouble();
  }

  private static long integer(String source, JsonNode root, String field, long fallback) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      return fallback;
    }
    if (!n.isIntegralNumber() || !n.canConvertToLong()) {
      throw new ConfigFileException(source + ": " + field + " must be an integer, got '" + n.asText() + "'");
    }
    long v = n.asLong();
    if (v > Integer.MAX_VALUE && !field.equals("snapshotThresholdEntries")) {
      throw new ConfigFileException(source + ": " + field + " is too large: " + v);
    }
    return v;
  }
}
