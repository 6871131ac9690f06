package io.splitguard.chaos.check;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The verdicts of all checkers on one history.
 *
 * @param operations client operations in the history (all outcomes)
 * @param keys distinct keys in the history
 * @param nemesisEvents nemesis events in the history
 * @param verdicts one per checker that ran ({@code fencing} only when a guarded-writes file was
 *     given)
 */
public record CheckReport(long operations, int keys, int nemesisEvents, List<Verdict> verdicts) {
  // ObjectWriter is immutable and thread-safe, so one shared instance is fine.
  private static final ObjectWriter JSON = new ObjectMapper().writerWithDefaultPrettyPrinter();

  /** Copies the list. */
  public CheckReport {
    verdicts = List.copyOf(verdicts);
  }

  /** The worst verdict: INVALID over UNKNOWN over VALID (VALID when nothing was checked). */
  public Validity validity() {
    Validity v = Validity.VALID;
    for (Verdict verdict : verdicts) {
      v = v.and(verdict.validity());
    }
    return v;
  }

  /**
   * Whether every verdict is VALID. The CLI exits non-zero otherwise — UNKNOWN is not a pass.
   */
  public boolean passed() {
    return validity() == Validity.VALID;
  }

  /** The verdict of the named checker, if it ran. */
  public Optional<Verdict> verdict(String checker) {
    return verdicts.stream().filter(v -> v.checker().equals(checker)).findFirst();
  }

  /** A human-readable multi-line report; times are relative to the history start. */
  public String toText() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "history: %s on %s, %s%n", plural(operations, "operation"),
        plural(keys, "key"), plural(nemesisEvents, "nemesis event")));
    for (Verdict v : verdicts) {
      sb.append(String.format(Locale.ROOT, "%-16s %-8s %s, %s", v.checker(), v.validity(),
          plural(v.operations(), unit(v.checker())),
          plural(v.keys(), keyUnit(v.checker()))));
      if (v.violationCount() > 0) {
        sb.append(", ").append(plural(v.violationCount(), "violation"));
        if (v.violations().size() < v.violationCount()) {
          sb.append(" (first ").append(v.violations().size()).append(" shown)");
        }
      }
      sb.append(System.lineSeparator());
      for (Violation violation : v.violations()) {
        sb.append("  [").append(violation.kind()).append("] key ").append(violation.key()).append(": ")
            .append(violation.message()).append(System.lineSeparator());
        sb.append("    window (ms since history start):").append(System.lineSeparator());
        for (WindowEntry e : violation.window()) {
          sb.append("      ").append(e.render()).append(System.lineSeparator());
        }
        for (String d : violation.details()) {
          sb.append("    ").append(d).append(System.lineSeparator());
        }
      }
      for (String u : v.unknown()) {
        sb.append("  [unknown] ").append(u).append(System.lineSeparator());
      }
    }
    sb.append("verdict: ").append(validity()).append(System.lineSeparator());
    return sb.toString();
  }

  /** What a checker's {@code operations} count counts. */
  private static String unit(String checker) {
    return switch (checker) {
      case LostWriteChecker.NAME -> "ok read";
      case FencingChecker.NAME -> "guarded write";
      case LockChecker.NAME -> "ok read or grant";
      default -> "operation";
    };
  }

  /** What a checker's {@code keys} count counts. */
  private static String keyUnit(String checker) {
    return switch (checker) {
      case FencingChecker.NAME -> "resource";
      case LockChecker.NAME -> "lock or resource";
      default -> "key";
    };
  }

  private static String plural(long n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  /** The report as a JSON tree (stable field names, times in nanoseconds since history start). */
  public ObjectNode toJsonTree() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    root.put("validity", validity().name());
    root.put("operations", operations);
    root.put("keys", keys);
    root.put("nemesisEvents", nemesisEvents);
    ArrayNode vs = root.putArray("verdicts");
    for (Verdict v : verdicts) {
      ObjectNode vn = vs.addObject();
      vn.put("checker", v.checker());
      vn.put("validity", v.validity().name());
      vn.put("operations", v.operations());
      vn.put("keys", v.keys());
      vn.put("violationCount", v.violationCount());
      ArrayNode list = vn.putArray("violations");
      for (Violation violation : v.violations()) {
        ObjectNode on = list.addObject();
        on.put("key", violation.key());
        on.put("kind", violation.kind());
        on.put("message", violation.message());
        ArrayNode window = on.putArray("window");
        for (WindowEntry e : violation.window()) {
          ObjectNode en = window.addObject();
          en.put("process", e.process());
          en.put("operation", e.operation());
          en.put("outcome", e.outcome());
          if (e.start() == Long.MIN_VALUE) {
            en.putNull("start");
          } else {
            en.put("start", e.start());
          }
          if (e.end() == Long.MAX_VALUE) {
            en.putNull("end");
          } else {
            en.put("end", e.end());
          }
          en.put("note", e.note());
        }
        ArrayNode details = on.putArray("details");
        violation.details().forEach(details::add);
      }
      ArrayNode unknown = vn.putArray("unknown");
      v.unknown().forEach(unknown::add);
    }
    return root;
  }

  /** {@link #toJsonTree()} as pretty-printed JSON text. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(toJsonTree());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise a JSON tree", e);
    }
  }
}
