package io.splitguard.chaos.check;

import io.splitguard.chaos.history.GuardedWrite;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Checks that guarded registers never accepted a fencing token lower than one they had already
 * accepted (split brain: an old lock holder writing after a new one).
 *
 * <p>A guarded register accepts a write iff its token is &gt;= the highest token it has accepted,
 * so in the order the cluster accepted them, a resource's accepted tokens never decrease. The file
 * only says when each acknowledgement was <em>received</em>; a write was accepted somewhere in its
 * window {@code [earliest send, ack]}. Acknowledgements can arrive out of acceptance order, so the
 * only sound conclusion is about writes whose windows do not overlap:
 *
 * <p><b>Rule.</b> For writes A and B to the same resource, if A was acknowledged strictly before B
 * could have been sent ({@code A.time < B.earliestSend}), A was accepted first, so {@code A.token
 * <= B.token} must hold; otherwise it is a {@code token-regression}. This pairwise rule is exactly
 * "some acceptance order consistent with the windows has non-decreasing tokens".
 *
 * <p><b>Earliest send.</b> {@code invokeTime} when the file has it; otherwise (and in addition)
 * the acknowledgement time of the same process's previous accepted guarded write, on any resource,
 * since a process has at most one request outstanding; otherwise unknown (−infinity), and that
 * write constrains nothing as a B. The runner should record {@code invokeTime}.
 */
public final class FencingChecker {
  /** Checker name in reports. */
  public static final String NAME = "fencing";

  private final CheckOptions options;

  /** A checker with the given violation cap. */
  public FencingChecker(CheckOptions options) {
    this.options = Objects.requireNonNull(options, "options");
  }

  /** A checker with {@link CheckOptions#DEFAULTS}. */
  public FencingChecker() {
    this(CheckOptions.DEFAULTS);
  }

  /** A write with its earliest possible send time. */
  private record Windowed(GuardedWrite write, long earliestSend) {}

  /**
   * Checks the accepted guarded writes, in file (acknowledgement) order.
   *
   * @param start the history's start time, for relative times in the report
   * @return INVALID with one violation per write that a token regression is proven for, else VALID;
   *     {@code operations} counts the writes, {@code keys} the resources
   */
  public Verdict check(List<GuardedWrite> writes, long start) {
    Map<Integer, Long> lastAck = new HashMap<>();
    SortedMap<String, List<Windowed>> byResource = new TreeMap<>();
    for (GuardedWrite w : writes) {
      long earliest = w.invokeTime().orElse(Long.MIN_VALUE);
      if (w.process().isPresent()) {
        Long prev = lastAck.get(w.process().getAsInt());
        // A previous ack later than this one would be a recording bug; then the bound is not trusted.
        if (prev != null && prev <= w.time()) {
          earliest = Math.max(earliest, prev);
        }
        lastAck.merge(w.process().getAsInt(), w.time(), Math::max);
      }
      byResource.computeIfAbsent(w.resource(), r -> new ArrayList<>()).add(new Windowed(w, earliest));
    }
    List<Violation> violations = new ArrayList<>();
    for (var e : byResource.entrySet()) {
      checkResource(e.getKey(), e.getValue(), start, violations);
    }
    return Verdict.of(NAME, writes.size(), byResource.size(), violations, List.of(), options.maxViolations());
  }

  private static void checkResource(String resource, List<Windowed> writes, long start, List<Violation> out) {
    // Sorted by ack, with a running argmax of the token: for each B, the highest token among the
    // writes acknowledged before B's earliest send is all that matters.
    List<Windowed> byAck = new ArrayList<>(writes);
    byAck.sort(Comparator.comparingLong(w -> w.write().time()));
    Windowed[] maxToken = new Windowed[byAck.size()];
    for (int i = 0; i < byAck.size(); i++) {
      Windowed w = byAck.get(i);
      maxToken[i] = i > 0 && maxToken[i - 1].write().token() >= w.write().token() ? maxToken[i - 1] : w;
    }
    for (Windowed b : writes) {
      int n = countAckedBefore(byAck, b.earliestSend());
      if (n == 0) {
        continue;
      }
      Windowed a = maxToken[n - 1];
      if (a.write().token() > b.write().token()) {
        out.add(new Violation(resource, "token-regression",
            "token " + b.write().token() + " was accepted after token " + a.write().token()
                + " had been: the write with token " + a.write().token() + " was acknowledged at "
                + Times.offset(Times.relative(a.write().time(), start)) + ", before the write with token "
                + b.write().token() + " was sent (at or after " + Times.offset(Times.relative(b.earliestSend(), start))
                + ")",
            List.of(entry(a, start, "accepted first"), entry(b, start, "lower token accepted later")),
            List.of()));
      }
    }
  }

  private static WindowEntry entry(Windowed w, long start, String note) {
    GuardedWrite g = w.write();
    String process = g.process().isPresent() ? "p" + g.process().getAsInt() : "?";
    String value = g.value() == null ? "null" : '"' + g.value() + '"';
    return new WindowEntry(process,
        String.format(Locale.ROOT, "guarded %s token %d %s", g.resource(), g.token(), value), "ok",
        Times.relative(w.earliestSend(), start), Times.relative(g.time(), start), note);
  }

  private static int countAckedBefore(List<Windowed> byAck, long time) {
    int lo = 0;
    int hi = byAck.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (byAck.get(mid).write().time() < time) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
