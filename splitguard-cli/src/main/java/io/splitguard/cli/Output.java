package io.splitguard.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.splitguard.client.KvEntry;
import io.splitguard.client.Member;
import io.splitguard.client.OutcomeUnknownException;
import io.splitguard.client.PartitionedException;
import io.splitguard.client.SplitGuardException;
import io.splitguard.client.Status;
import io.splitguard.client.UnavailableException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Where a command's output goes, and how results and failures are worded. Everything is written
 * through picocli's writers (not {@code System.out}) so that an embedding caller that sets its own
 * writers captures all of it; results go to stdout, messages and failures to stderr, so that
 * {@code --json} output stays parseable even when something goes wrong.
 */
final class Output {

  static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final PrintWriter out;
  private final PrintWriter err;
  private final String command;
  private String deadline = "";

  private Output(PrintWriter out, PrintWriter err, String command) {
    this.out = out;
    this.err = err;
    this.command = command;
  }

  /** Output of the command described by {@code spec}; messages are prefixed with its name. */
  static Output of(CommandSpec spec) {
    return new Output(spec.commandLine().getOut(), spec.commandLine().getErr(), spec.qualifiedName());
  }

  /**
   * The overall deadline of the command's calls, quoted in "gave up" messages so that the user
   * sees what a larger {@code --timeout} would change.
   */
  Output deadline(Duration d) {
    this.deadline = " within " + duration(d);
    return this;
  }

  /** Prints a line of the result on stdout. */
  void line(String text) {
    out.println(text);
    out.flush();
  }

  /** Prints one JSON document on stdout. */
  void json(JsonNode document) {
    try {
      out.println(JSON.writeValueAsString(document));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("serialising a JSON tree cannot fail", e);
    }
    out.flush();
  }

  /** Prints a message on stderr, prefixed with the command name. */
  void error(String message) {
    err.println(command + ": " + message);
    err.flush();
  }

  /** Prints a continuation line of a message on stderr, indented and without the prefix. */
  void errorDetail(String message) {
    err.println("  " + message);
    err.flush();
  }

  /** Prints a progress or informational line on stderr, without the command-name prefix. */
  void progress(String message) {
    err.println(message);
    err.flush();
  }

  /**
   * Reports a failed client call on stderr and returns the exit code for it: {@link
   * SplitGuardCli#EXIT_UNKNOWN} when a write may or may not have applied, {@link
   * SplitGuardCli#EXIT_FAILED} for everything that proves it was refused or never delivered.
   *
   * @param write whether the call was a write, which decides what the message promises about it
   */
  int fail(SplitGuardException e, boolean write) {
    if (e instanceof OutcomeUnknownException) {
      error("outcome unknown: the write may or may not have been applied");
      errorDetail(e.getMessage());
      errorDetail("read the key back to find out (a write with --if-revision is safe to repeat)");
      return SplitGuardCli.EXIT_UNKNOWN;
    }
    if (e instanceof UnavailableException u) {
      reportUnavailable(u, write);
      return SplitGuardCli.EXIT_FAILED;
    }
    error(e.getMessage());
    return SplitGuardCli.EXIT_FAILED;
  }

  private void reportUnavailable(UnavailableException u, boolean write) {
    Throwable cause = u.getCause();
    String verdict = write ? "; the write was not applied" : "";
    if (cause instanceof InterruptedException) {
      error("UNAVAILABLE: interrupted" + verdict);
      return;
    }
    if (cause instanceof PartitionedException) {
      error("PARTITIONED: no node with a quorum answered" + deadline
          + " (" + attempts(u.attempts()) + ")" + verdict);
    } else {
      error("UNAVAILABLE: no node served the request" + deadline
          + " (" + attempts(u.attempts()) + ")" + verdict);
    }
    if (cause instanceof SplitGuardException s) {
      errorDetail("last answer: " + s.getMessage());
    } else if (cause != null) {
      errorDetail("last failure: " + describeIo(cause));
    } else if (!u.detail().isEmpty()) {
      errorDetail(u.detail());
    }
    if (cause instanceof PartitionedException && !write) {
      errorDetail("hint: a node without quorum may still serve kv get --stale");
    }
  }

  private static String attempts(int n) {
    return n == 1 ? "1 attempt" : n + " attempts";
  }

  /** A short description of an I/O failure; the JDK often leaves their messages empty. */
  static String describeIo(Throwable t) {
    String what;
    if (t instanceof HttpConnectTimeoutException) {
      what = "connect timed out";
    } else if (t instanceof HttpTimeoutException) {
      what = "no answer in time";
    } else if (t instanceof ConnectException) {
      what = "could not connect";
    } else {
      what = t.getClass().getSimpleName();
    }
    String message = t.getMessage();
    return message == null || message.isBlank() ? what : what + " (" + message + ")";
  }

  /**
   * A failure of a one-node status request, for {@code status --all}: the client's message for a
   * refusal, the I/O failure for an unreachable node.
   */
  static String describeFailure(SplitGuardException e) {
    if (e instanceof UnavailableException && e.getCause() != null
        && !(e.getCause() instanceof SplitGuardException)) {
      return describeIo(e.getCause());
    }
    return e.getMessage();
  }

  // ---- JSON shapes: the documented fields of the server's answers -------------------------------

  /** A key as the server answers it: {@code key, value, revision}, and the optional fields. */
  static ObjectNode entryJson(KvEntry e) {
    ObjectNode n = JSON.createObjectNode();
    n.put("key", e.key());
    n.put("value", e.value());
    n.put("revision", e.revision());
    if (e.createRevision() >= 0) {
      n.put("createRevision", e.createRevision());
    }
    if (e.stale()) {
      n.put("stale", true);
      if (e.appliedIndex() >= 0) {
        n.put("appliedIndex", e.appliedIndex());
      }
    }
    return n;
  }

  /** A status as the server answers it; fields the node did not report are left out. */
  static ObjectNode statusJson(Status s) {
    ObjectNode n = JSON.createObjectNode();
    n.put("nodeId", s.nodeId());
    n.put("role", s.role());
    if (s.leaderId() == null) {
      n.putNull("leaderId");
    } else {
      n.put("leaderId", s.leaderId());
    }
    putIfKnown(n, "term", s.term());
    n.put("partitionStatus", s.partitionStatus());
    n.put("quorum", s.quorum());
    n.put("fenced", s.fenced());
    ArrayNode members = n.putArray("members");
    for (Member m : s.members()) {
      ObjectNode o = members.addObject();
      o.put("id", m.id());
      o.put("address", m.address());
      o.put("self", m.self());
      o.put("reachable", m.reachable());
      if (Double.isNaN(m.phi())) {
        o.putNull("phi");
      } else {
        o.put("phi", m.phi());
      }
      putIfKnown(o, "lastHeartbeatAgeMs", m.lastHeartbeatAgeMs());
    }
    putIfKnown(n, "appliedIndex", s.appliedIndex());
    putIfKnown(n, "commitIndex", s.commitIndex());
    return n;
  }

  private static void putIfKnown(ObjectNode n, String field, long value) {
    if (value >= 0) {
      n.put(field, value);
    }
  }

  // ---- human formatting -------------------------------------------------------------------------

  /** {@code 250ms}, {@code 2s}, {@code 1.5s}, {@code 2m}: how durations are written on input. */
  static String duration(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + "ms";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return String.format(Locale.ROOT, "%.3fs", ms / 1000.0);
  }

  /**
   * Lays out a table with columns padded to their widest cell, two spaces apart. Columns listed
   * in {@code rightAligned} (numbers) are right-aligned so that their digits line up.
   */
  static List<String> table(List<String> header, List<List<String>> rows, boolean... rightAligned) {
    int[] width = new int[header.size()];
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    for (List<String> row : all) {
      for (int i = 0; i < row.size(); i++) {
        width[i] = Math.max(width[i], row.get(i).length());
      }
    }
    List<String> lines = new ArrayList<>();
    for (List<String> row : all) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        String cell = row.get(i);
        boolean right = i < rightAligned.length && rightAligned[i];
        String pad = " ".repeat(width[i] - cell.length());
        if (i > 0) {
          sb.append("  ");
        }
        sb.append(right ? pad + cell : cell + (i == row.size() - 1 ? "" : pad));
      }
      lines.add(sb.toString());
    }
    return lines;
  }
}
