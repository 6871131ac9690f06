package io.splitguard.chaos.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A self-contained HTML report of one run (inline SVG and CSS, no external assets, no script):
 * a timeline with one lane per process and one bar per operation coloured by outcome, nemesis
 * intervals shaded, latency over time, the checkers' verdicts, the seed and the exact command to
 * reproduce. The history is parsed tolerantly: lines that are not JSON objects with a time are
 * skipped and counted, so a truncated history still gets a report.
 */
public final class HtmlReport {
  private static final int PLOT_WIDTH = 1100;
  private static final int LEFT = 70;
  private static final int RIGHT = 20;
  private static final String OK = "#43a047";
  private static final String FAIL = "#e57373";
  private static final String INFO = "#ffa726";

  private HtmlReport() {}

  /**
   * One operation: an invocation and its completion (or none: {@code type} is {@code pending}).
   * {@code token} is the fencing token of a lock or guarded-resource operation, else null.
   */
  record Op(String process, String f, String key, String value, String type, long start, long end,
      String node, String error, String token) {}

  /** A nemesis interval, open until its stop (or the end of the history). */
  record Interval(String value, long start, long end, String error) {}

  /** The parsed history. */
  record Parsed(List<Op> ops, List<Interval> nemesis, long endTime, int skipped, int lines) {}

  /**
   * Writes the report.
   *
   * @param historyFile the run's history (JSON lines)
   * @param verdicts checker name to verdict text, in display order
   * @param reproduceCommand the exact command that reproduces the run
   * @param seed the run seed
   * @param outHtml where to write the HTML
   */
  public static void write(Path historyFile, Map<String, String> verdicts, String reproduceCommand, long seed,
      Path outHtml) throws IOException {
    Parsed parsed = parse(historyFile);
    Files.writeString(outHtml, render(parsed, verdicts, reproduceCommand, seed, historyFile.getFileName().toString()),
        StandardCharsets.UTF_8);
  }

  static Parsed parse(Path historyFile) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<Op> ops = new ArrayList<>();
    List<Interval> intervals = new ArrayList<>();
    Map<String, JsonNode> pending = new LinkedHashMap<>();
    Map<String, JsonNode> openNemesis = new LinkedHashMap<>();
    long end = 0;
    int skipped = 0;
    int lines = 0;
    try (BufferedReader in = Files.newBufferedReader(historyFile, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        lines++;
        JsonNode e;
        try {
          e = json.readTree(line);
        } catch (IOException ex) {
          skipped++;
          continue;
        }
        if (e == null || !e.isObject() || !e.path("time").canConvertToLong() || !e.has("process")) {
          skipped++;
          continue;
        }
        long time = e.path("time").asLong();
        end = Math.max(end, time);
        String process = e.get("process").asText();
        String type = e.path("type").asText("");
        if ("nemesis".equals(process)) {
          String value = text(e.get("value"));
          if ("start".equals(e.path("f").asText())) {
            openNemesis.put(value, e);
          } else {
            JsonNode start = openNemesis.remove(value);
            if (start == null && !openNemesis.isEmpty()) {
              String last = new ArrayList<>(openNemesis.keySet()).get(openNemesis.size() - 1);
              start = openNemesis.remove(last); // a stop whose value differs still ends the latest fault
            }
            if (start != null) {
              intervals.add(new Interval(text(start.get("value")), start.path("time").asLong(), time,
                  start.hasNonNull("error") ? start.get("error").asText() : null));
            }
          }
        } else if ("invoke".equals(type)) {
          pending.put(process, e);
        } else {
          JsonNode invoke = pending.remove(process);
          if (invoke == null) {
            skipped++; // a completion without invocation
            continue;
          }
          // A read's value arrives with its completion; a write's or cas's is already in the invocation.
          String value = e.hasNonNull("value") ? text(e.get("value")) : text(invoke.get("value"));
          // A grant's or a read's token arrives with its completion; a write's or release's is sent.
          JsonNode token = e.hasNonNull("token") ? e.get("token") : invoke.get("token");
          ops.add(new Op(process, invoke.path("f").asText(""), invoke.path("key").asText(""), value, type,
              invoke.path("time").asLong(), time, e.path("node").asText(invoke.path("node").asText("")),
              e.hasNonNull("error") ? e.get("error").asText() : null, text(token)));
        }
      }
    }
    for (Map.Entry<String, JsonNode> p : pending.entrySet()) {
      JsonNode invoke = p.getValue();
      ops.add(new Op(p.getKey(), invoke.path("f").asText(""), invoke.path("key").asText(""),
          text(invoke.get("value")), "pending", invoke.path("time").asLong(), end, invoke.path("node").asText(""), null,
          text(invoke.get("token"))));
    }
    for (JsonNode start : openNemesis.values()) {
      intervals.add(new Interval(text(start.get("value")), start.path("time").asLong(), end, null));
    }
    return new Parsed(ops, intervals, end, skipped, lines);
  }

  static String render(Parsed p, Map<String, String> verdicts, String command, long seed, String historyName) {
    StringBuilder h = new StringBuilder(64 * 1024);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>SplitGuard chaos run, seed ")
        .append(seed).append("</title>\n<style>\n")
        .append("body{font-family:system-ui,sans-serif;margin:20px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:28px}")
        .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}")
        .append("pre{background:#f4f4f4;padding:8px;white-space:pre-wrap;word-break:break-all}")
        .append(".pass{color:#2e7d32;font-weight:bold}.fail{color:#c62828;font-weight:bold}")
        .append(".legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}")
        .append("svg text{font-size:11px;fill:#333}\n</style></head><body>\n");
    h.append("<h1>SplitGuard chaos run</h1>\n<table>\n");
    row(h, "seed", Long.toString(seed));
    row(h, "history", historyName);
    row(h, "operations", Integer.toString(p.ops().size()));
    row(h, "faults", Integer.toString(p.nemesis().size()));
    row(h, "duration", String.format(Locale.ROOT, "%.3f s", p.endTime() / 1e9));
    if (p.skipped() > 0) {
      row(h, "unreadable lines", p.skipped() + " of " + p.lines() + " skipped");
    }
    h.append("</table>\n<h2>Reproduce</h2>\n<pre>").append(esc(command)).append("</pre>\n");

    h.append("<h2>Verdicts</h2>\n");
    if (verdicts.isEmpty()) {
      h.append("<p>No checker verdicts were given.</p>\n");
    } else {
      h.append("<table><tr><th>checker</th><th>verdict</th></tr>\n");
      for (Map.Entry<String, String> v : verdicts.entrySet()) {
        h.append("<tr><td>").append(esc(v.getKey())).append("</td><td class=\"").append(verdictClass(v.getValue()))
            .append("\">").append(esc(v.getValue())).append("</td></tr>\n");
      }
      h.append("</table>\n");
    }

    h.append("<h2>Operations</h2>\n").append(countsTable(p.ops()));
    h.append("<h2>Timeline</h2>\n<p class=\"legend\">one lane per process;")
        .append("<span style=\"background:").append(OK).append("\"></span>ok")
        .append("<span style=\"background:").append(FAIL).append("\"></span>fail")
        .append("<span style=\"background:").append(INFO).append("\"></span>info / unknown")
        .append("<span style=\"background:#78909c;opacity:.35\"></span>nemesis fault</p>\n");
    h.append(timeline(p));
    h.append("<h2>Latency</h2>\n<p>time from invocation to completion, by invocation time (log scale)</p>\n");
    h.append(latency(p));
    h.append("<h2>Nemesis</h2>\n");
    if (p.nemesis().isEmpty()) {
      h.append("<p>No faults.</p>\n");
    } else {
      h.append("<table><tr><th>start (s)</th><th>stop (s)</th><th>fault</th><th>error</th></tr>\n");
      for (Interval i : p.nemesis()) {
        h.append("<tr><td>").append(seconds(i.start())).append("</td><td>").append(seconds(i.end()))
            .append("</td><td>").append(esc(i.value())).append("</td><td>")
            .append(i.error() == null ? "" : esc(i.error())).append("</td></tr>\n");
      }
      h.append("</table>\n");
    }
    h.append("</body></html>\n");
    return h.toString();
  }

  private static String timeline(Parsed p) {
    TreeSet<String> processes = new TreeSet<>((a, b) -> {
      boolean na = a.matches("-?\\d+");
      boolean nb = b.matches("-?\\d+");
      if (na && nb) {
        return Long.compare(Long.parseLong(a), Long.parseLong(b));
      }
      return na != nb ? (na ? -1 : 1) : a.compareTo(b);
    });
    p.ops().forEach(o -> processes.add(o.process()));
    Map<String, Integer> lane = new HashMap<>();
    for (String proc : processes) {
      lane.put(proc, lane.size());
    }
    int laneHeight = Math.max(3, Math.min(14, 2400 / Math.max(1, processes.size())));
    int top = 20;
    int height = top + Math.max(1, processes.size()) * laneHeight + 30;
    StringBuilder s = svgOpen(height);
    shadeNemesis(s, p, top, processes.size() * laneHeight);
    for (String proc : processes) {
      if (laneHeight >= 10) {
        s.append("<text x=\"").append(LEFT - 6).append("\" y=\"").append(top + lane.get(proc) * laneHeight + laneHeight - 3)
            .append("\" text-anchor=\"end\">p").append(esc(proc)).append("</text>");
      }
    }
    for (Op o : p.ops()) {
      double x0 = x(o.start(), p.endTime());
      double w = Math.max(1.0, x(o.end(), p.endTime()) - x0);
      s.append("<rect x=\"").append(fmt(x0)).append("\" y=\"").append(top + lane.get(o.process()) * laneHeight + 1)
          .append("\" width=\"").append(fmt(w)).append("\" height=\"").append(Math.max(1, laneHeight - 2))
          .append("\" fill=\"").append(colour(o.type())).append("\"><title>").append(esc(describe(o))).append("</title></rect>");
    }
    axis(s, p.endTime(), top + processes.size() * laneHeight);
    return s.append("</svg>\n").toString();
  }

  private static String latency(Parsed p) {
    int plotHeight = 240;
    int top = 20;
    StringBuilder s = svgOpen(top + plotHeight + 30);
    shadeNemesis(s, p, top, plotHeight);
    double maxMs = 1;
    for (Op o : p.ops()) {
      maxMs = Math.max(maxMs, (o.end() - o.start()) / 1e6);
    }
    double logMax = Math.log10(Math.max(10, maxMs * 1.2));
    double logMin = -1; // 0.1 ms
    for (double ms : new double[] {0.1, 1, 10, 100, 1000, 10000, 100000}) {
      if (Math.log10(ms) <= logMax) {
        double y = top + plotHeight - (Math.log10(ms) - logMin) / (logMax - logMin) * plotHeight;
        s.append("<line x1=\"").append(LEFT).append("\" x2=\"").append(LEFT + PLOT_WIDTH).append("\" y1=\"").append(fmt(y))
            .append("\" y2=\"").append(fmt(y)).append("\" stroke=\"#e0e0e0\"/>")
            .append("<text x=\"").append(LEFT - 6).append("\" y=\"").append(fmt(y + 4)).append("\" text-anchor=\"end\">")
            .append(ms < 1 ? "0.1" : Long.toString((long) ms)).append(" ms</text>");
      }
    }
    for (Op o : p.ops()) {
      double ms = Math.max(0.1, (o.end() - o.start()) / 1e6);
      double y = top + plotHeight - (Math.log10(ms) - logMin) / (logMax - logMin) * plotHeight;
      s.append("<circle cx=\"").append(fmt(x(o.start(), p.endTime()))).append("\" cy=\"").append(fmt(y))
          .append("\" r=\"2\" fill=\"").append(colour(o.type())).append("\"><title>").append(esc(describe(o)))
          .append("</title></circle>");
    }
    axis(s, p.endTime(), top + plotHeight);
    return s.append("</svg>\n").toString();
  }

  private static StringBuilder svgOpen(int height) {
    return new StringBuilder().append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(LEFT + PLOT_WIDTH + RIGHT)
        .append("\" height=\"").append(height).append("\" style=\"border:1px solid #ddd;background:#fff\">");
  }

  private static void shadeNemesis(StringBuilder s, Parsed p, int top, int height) {
    for (Interval i : p.nemesis()) {
      double x0 = x(i.start(), p.endTime());
      double w = Math.max(1.0, x(i.end(), p.endTime()) - x0);
      s.append("<rect x=\"").append(fmt(x0)).append("\" y=\"").append(top).append("\" width=\"").append(fmt(w))
          .append("\" height=\"").append(Math.max(1, height)).append("\" fill=\"#78909c\" fill-opacity=\"0.25\"><title>")
          .append(esc(i.value())).append("</title></rect>")
          .append("<text x=\"").append(fmt(x0 + 2)).append("\" y=\"").append(top - 6).append("\">")
          .append(esc(i.value())).append("</text>");
    }
  }

  private static void axis(StringBuilder s, long end, int y) {
    double seconds = Math.max(1e-3, end / 1e9);
    double step = 1;
    for (double candidate : new double[] {0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600}) {
      step = candidate;
      if (seconds / candidate <= 15) {
        break;
      }
    }
    s.append("<line x1=\"").append(LEFT).append("\" x2=\"").append(LEFT + PLOT_WIDTH).append("\" y1=\"").append(y)
        .append("\" y2=\"").append(y).append("\" stroke=\"#999\"/>");
    for (double t = 0; t <= seconds + 1e-9; t += step) {
      double x = LEFT + t / seconds * PLOT_WIDTH;
      s.append("<line x1=\"").append(fmt(x)).append("\" x2=\"").append(fmt(x)).append("\" y1=\"").append(y)
          .append("\" y2=\"").append(y + 4).append("\" stroke=\"#999\"/><text x=\"").append(fmt(x))
          .append("\" y=\"").append(y + 16).append("\" text-anchor=\"middle\">")
          .append(String.format(Locale.ROOT, step < 1 ? "%.1fs" : "%.0fs", t)).append("</text>");
    }
  }

  private static String countsTable(List<Op> ops) {
    Map<String, Map<String, Integer>> counts = new TreeMap<>();
    for (Op o : ops) {
      counts.computeIfAbsent(o.f(), k -> new TreeMap<>()).merge(o.type(), 1, Integer::sum);
    }
    StringBuilder t = new StringBuilder("<table><tr><th>f</th><th>ok</th><th>fail</th><th>info</th><th>pending</th></tr>\n");
    for (Map.Entry<String, Map<String, Integer>> c : counts.entrySet()) {
      t.append("<tr><td>").append(esc(c.getKey())).append("</td>");
      for (String type : List.of("ok", "fail", "info", "pending")) {
        t.append("<td>").append(c.getValue().getOrDefault(type, 0)).append("</td>");
      }
      t.append("</tr>\n");
    }
    return t.append("</table>\n").toString();
  }

  private static String describe(Op o) {
    return "p" + o.process() + " " + o.f() + " " + o.key() + " " + (o.value() == null ? "nil" : o.value())
        + (o.token() == null ? "" : " token " + o.token()) + " -> " + o.type() + String.format(Locale.ROOT, " (%.1f ms at %.3f s)", (o.end() - o.start()) / 1e6, o.start() / 1e9)
        + (o.node().isEmpty() ? "" : " node " + o.node()) + (o.error() == null ? "" : " error " + o.error());
  }

  private static String verdictClass(String verdict) {
    String v = verdict.toLowerCase(Locale.ROOT);
    if (v.contains("violation") || v.contains("fail") || v.contains("invalid") || v.startsWith("false")) {
      return "fail";
    }
    return v.startsWith("pass") || v.startsWith("ok") || v.startsWith("valid") || v.startsWith("true") ? "pass" : "";
  }

  private static String colour(String type) {
    return switch (type) {
      case "ok" -> OK;
      case "fail" -> FAIL;
      default -> INFO;
    };
  }

  private static double x(long time, long end) {
    return LEFT + (end <= 0 ? 0 : (double) time / end * PLOT_WIDTH);
  }

  private static void row(StringBuilder h, String name, String value) {
    h.append("<tr><th>").append(esc(name)).append("</th><td>").append(esc(value)).append("</td></tr>\n");
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.3f", nanos / 1e9);
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private static String text(JsonNode value) {
    if (value == null || value.isNull() || value.isMissingNode()) {
      return null;
    }
    return value.isTextual() ? value.asText() : value.toString();
  }

  /** HTML-escapes text for element content and attribute values. */
  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
