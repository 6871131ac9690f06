package io.splitguard.chaos.check;

import io.splitguard.chaos.history.Fn;
import io.splitguard.chaos.history.History;
import io.splitguard.chaos.history.Operation;
import io.splitguard.chaos.history.Outcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Checks that acknowledged writes stay visible and that reads return values someone wrote. Every
 * rule here is implied by linearizability, but each is decided in O(n log n) without a search (so
 * never UNKNOWN) and names the write that was lost, which is what an operator needs to read.
 *
 * <p>Per key, for every read R that completed {@code ok} with value v (null = missing). The
 * <em>writers</em> of v are the writes and CASes on that key whose new value is v (for v = null
 * also the initial state, which precedes everything):
 *
 * <ol>
 *   <li><b>phantom-read</b>: no operation on this key ever tried to write v;
 *   <li><b>failed-write-read</b>: every writer of v ended {@code fail}, so v was never written;
 *   <li><b>future-read</b>: every writer of v was invoked after R completed;
 *   <li><b>lost-write</b>: there is a write (or CAS) W acknowledged {@code ok} before R was invoked
 *       ({@code W.end < R.invoke}) such that every non-failed writer X of v completed before W was
 *       invoked ({@code X.complete < W.invoke}; an {@code info} writer's completion is +infinity, so
 *       it is never known to precede W). X then certainly took effect before W, W before R, and
 *       nothing else writes v: R saw a state older than W, so W's acknowledgement was a lie (or
 *       R is stale). A read of null after any acknowledged write is the simplest case.
 * </ol>
 *
 * <p>Rule 4 covers the final read the runner does after healing: it must return the value of a
 * writer not known to be superseded by an acknowledged write; the report calls that case out.
 * Values are assumed unique per write (the workload's contract); when they are not, the rules
 * stay sound by taking the most favourable writer.
 */
public final class LostWriteChecker {
  /** Checker name in reports. */
  public static final String NAME = "lost-writes";

  private final CheckOptions options;

  /** A checker with the given violation cap. */
  public LostWriteChecker(CheckOptions options) {
    this.options = Objects.requireNonNull(options, "options");
  }

  /** A checker with {@link CheckOptions#DEFAULTS}. */
  public LostWriteChecker() {
    this(CheckOptions.DEFAULTS);
  }

  /**
   * Checks every key.
   *
   * @return INVALID with one violation per offending read, else VALID; {@code operations} counts the
   *     {@code ok} reads checked
   */
  public Verdict check(History history) {
    List<Violation> violations = new ArrayList<>();
    long reads = 0;
    var byKey = history.byKey();
    for (var e : byKey.entrySet()) {
      reads += checkKey(e.getKey(), e.getValue(), history.startTime(), violations);
    }
    return Verdict.of(NAME, reads, byKey.size(), violations, List.of(), options.maxViolations());
  }

  /** A key's writers of one value, summarised. */
  private static final class Writers {
    final List<Operation> all = new ArrayList<>();
    Operation latest; // non-failed writer with the greatest completeTime
    long earliestInvoke = Long.MAX_VALUE; // among non-failed writers

    void add(Operation op) {
      all.add(op);
      if (op.outcome() == Outcome.FAIL) {
        return;
      }
      earliestInvoke = Math.min(earliestInvoke, op.invokeTime());
      if (latest == null || op.completeTime() > latest.completeTime()) {
        latest = op;
      }
    }
  }

  private static int checkKey(String key, List<Operation> ops, long start, List<Violation> out) {
    Map<String, Writers> writers = new HashMap<>();
    List<Operation> acked = new ArrayList<>();
    long lastAckedEnd = Long.MIN_VALUE;
    for (Operation op : ops) {
      if (op.writes()) {
        writers.computeIfAbsent(op.written(), v -> new Writers()).add(op);
        if (op.outcome() == Outcome.OK) {
          acked.add(op);
          lastAckedEnd = Math.max(lastAckedEnd, op.endTime());
        }
      }
    }
    // For "the acknowledged write invoked last among those acknowledged before time t", sort by
    // acknowledgement and keep a running argmax of invoke time.
    acked.sort(Comparator.comparingLong(Operation::endTime));
    Operation[] latestInvoked = new Operation[acked.size()];
    for (int i = 0; i < acked.size(); i++) {
      Operation w = acked.get(i);
      latestInvoked[i] = i > 0 && latestInvoked[i - 1].invokeTime() >= w.invokeTime() ? latestInvoked[i - 1] : w;
    }
    int reads = 0;
    for (Operation r : ops) {
      if (r.f() != Fn.READ || r.outcome() != Outcome.OK) {
        continue;
      }
      reads++;
      String v = r.output().text();
      Writers ws = writers.get(v);
      long latestComplete;
      Operation latestWriter = null;
      if (v == null) {
        // The initial (missing) state is a writer that completed before everything.
        latestComplete = Long.MIN_VALUE;
        if (ws != null && ws.latest != null) {
          latestWriter = ws.latest;
          latestComplete = ws.latest.completeTime();
        }
      } else {
        if (ws == null) {
          out.add(new Violation(key, "phantom-read",
              "read returned " + r.output() + ", a value no operation on " + key + " ever wrote",
              List.of(Times.entry(r, start, "phantom value")), List.of()));
          continue;
        }
        if (ws.latest == null) {
          List<WindowEntry> window = new ArrayList<>();
          ws.all.forEach(w -> window.add(Times.entry(w, start, "failed: certainly not applied")));
          window.add(Times.entry(r, start, "read a value that was never written"));
          out.add(new Violation(key, "failed-write-read",
              "read returned " + r.output() + ", but every write of it failed (certainly not applied)",
              window, List.of()));
          continue;
        }
        if (ws.earliestInvoke > r.endTime()) {
          out.add(new Violation(key, "future-read",
              "read returned " + r.output() + " before anyone started writing it: "
                  + Times.describe(ws.latest, start),
              List.of(Times.entry(r, start, "read from the future"),
                  Times.entry(ws.latest, start, "the only writer, invoked later")), List.of()));
          continue;
        }
        latestWriter = ws.latest;
        latestComplete = ws.latest.completeTime();
      }
      int n = countEndedBefore(acked, r.invokeTime());
      if (n == 0) {
        continue;
      }
      Operation w = latestInvoked[n - 1];
      if (latestComplete < w.invokeTime()) {
        boolean isFinal = r.invokeTime() > lastAckedEnd && isLastRead(r, ops);
        List<WindowEntry> window = new ArrayList<>();
        if (latestWriter != null) {
          window.add(Times.entry(latestWriter, start, "wrote the value read"));
        }
        window.add(Times.entry(w, start, "acknowledged, then lost"));
        window.add(Times.entry(r, start, isFinal ? "final read: stale" : "stale read"));
        String source = latestWriter == null ? "the initial (missing) state"
            : "written by " + Times.describe(latestWriter, start);
        out.add(new Violation(key, "lost-write",
            (isFinal ? "final read" : "read") + " returned " + r.output() + ", " + source + "; but "
                + Times.describe(w, start) + " was invoked after that and acknowledged before the"
                + " read began: an acknowledged write was lost",
            window, List.of()));
      }
    }
    return reads;
  }

  /** How many of {@code acked} (sorted by end time) ended strictly before {@code time}. */
  private static int countEndedBefore(List<Operation> acked, long time) {
    int lo = 0;
    int hi = acked.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (acked.get(mid).endTime() < time) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static boolean isLastRead(Operation r, List<Operation> ops) {
    for (Operation op : ops) {
      if (op != r && op.f() == Fn.READ && op.outcome() == Outcome.OK && op.invokeTime() > r.invokeTime()) {
        return false;
      }
    }
    return true;
  }
}
