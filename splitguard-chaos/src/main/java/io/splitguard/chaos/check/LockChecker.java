package io.splitguard.chaos.check;

import io.splitguard.chaos.history.Fn;
import io.splitguard.chaos.history.GuardedWrite;
import io.splitguard.chaos.history.History;
import io.splitguard.chaos.history.Operation;
import io.splitguard.chaos.history.Outcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Checks the lock and guarded-resource operations of a history (the {@code locks} workload): that
 * grants hand out increasing tokens and that every read of a guarded resource shows a write that
 * happened and was not superseded. Token order <em>at the resource</em> is {@link FencingChecker}'s
 * job; {@link #acceptedWrites} gives it the accepted writes when no guarded-writes file is at hand.
 *
 * <p>A guarded resource is a register whose writes carry a token and may be refused ({@code
 * FENCED}, recorded {@code fail}: certainly not applied). A read returns the value and the token of
 * the last applied write. With values unique per run (the workload's contract), every rule below
 * follows from two facts: a write that was applied is visible to every later linearizable read
 * until a later applied write replaces it, and (fencing) the token a resource shows never
 * decreases. For every {@code ok} guarded-read R of value v with token t:
 *
 * <ol>
 *   <li><b>phantom-read</b>: no guarded-write on that resource ever tried to write v;
 *   <li><b>failed-write-read</b>: every write of v failed, i.e. the resource refused it, yet it shows;
 *   <li><b>token-mismatch</b>: no write of v that did not fail presented token t: the resource
 *       pairs the value with a token it was not written with;
 *   <li><b>future-read</b>: the write of v was invoked after R completed;
 *   <li><b>lost-write</b>: some guarded-write W acknowledged {@code ok} before R was invoked is
 *       invisible to R, proven either by its token ({@code W.token > t}: the resource shows an
 *       older token than one it had accepted) or by real time (the write of v completed before W
 *       was invoked, so W replaced it; an {@code info} write never completes, so it is never known
 *       to precede W). A read of a never-written resource (null) after any acknowledged write is
 *       the simplest case. The final read after the heal is one of these reads; a violation on it
 *       is called out as such.
 * </ol>
 *
 * <p>And for lock grants: <b>grant-order</b>, an {@code ok} acquire B invoked after another {@code
 * ok} acquire A was acknowledged, on any lock, must have a strictly greater token (a token is the
 * registry's global revision at the grant).
 *
 * <p>Not checked: mutual exclusion in time. Whether two clients held the same lock at once depends
 * on wall clocks and lease expiry, which a client-side history cannot decide; the fencing tokens
 * are what makes overlap harmless, and those are checked here and by {@link FencingChecker}. Nor is
 * a full linearizability search run over guarded resources: the rules above catch a read that
 * misses an acknowledged write, but not, say, two reads that order two {@code info} writes both
 * ways.
 */
public final class LockChecker {
  /** Checker name in reports. */
  public static final String NAME = "locks";

  private final CheckOptions options;

  /** A checker with the given violation cap. */
  public LockChecker(CheckOptions options) {
    this.options = Objects.requireNonNull(options, "options");
  }

  /** A checker with {@link CheckOptions#DEFAULTS}. */
  public LockChecker() {
    this(CheckOptions.DEFAULTS);
  }

  /**
   * Checks the history's lock and guarded-resource operations (others are ignored).
   *
   * @return INVALID with one violation per offending read or grant, else VALID; {@code operations}
   *     counts the {@code ok} guarded-reads and {@code ok} acquires checked, {@code keys} the
   *     resources and locks
   */
  public Verdict check(History history) {
    List<Violation> violations = new ArrayList<>();
    long start = history.startTime();
    SortedMap<String, List<Operation>> resources = new TreeMap<>();
    List<Operation> grants = new ArrayList<>();
    TreeSet<String> locks = new TreeSet<>();
    for (Operation op : history.operations()) {
      if (op.f().isGuarded()) {
        resources.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
      } else if (op.f().isLock()) {
        locks.add(op.key());
        if (op.f() == Fn.ACQUIRE && op.outcome() == Outcome.OK) {
          grants.add(op);
        }
      }
    }
    long checked = grants.size();
    checkGrants(grants, start, violations);
    for (var e : resources.entrySet()) {
      checked += checkResource(e.getKey(), e.getValue(), start, violations);
    }
    return Verdict.of(NAME, checked, resources.size() + locks.size(), violations, List.of(),
        options.maxViolations());
  }

  /**
   * The guarded-writes the cluster acknowledged ({@code ok}), in acknowledgement order, as the
   * guarded-writes file would list them: what {@link FencingChecker} needs, taken from the history.
   */
  public static List<GuardedWrite> acceptedWrites(History history) {
    List<Operation> acked = new ArrayList<>();
    for (Operation op : history.operations()) {
      if (op.f() == Fn.GUARDED_WRITE && op.outcome() == Outcome.OK) {
        acked.add(op);
      }
    }
    acked.sort(Comparator.comparingLong(Operation::endTime));
    List<GuardedWrite> writes = new ArrayList<>();
    for (Operation op : acked) {
      writes.add(new GuardedWrite(op.key(), op.token().getAsLong(), op.input().text(), op.endTime(),
          OptionalInt.of(op.process()), OptionalLong.of(op.invokeTime())));
    }
    return writes;
  }

  private static void checkGrants(List<Operation> grants, long start, List<Violation> out) {
    // Sorted by acknowledgement with a running argmax of the token: for each grant B, the highest
    // token among grants acknowledged before B was invoked is all that matters.
    List<Operation> byAck = new ArrayList<>(grants);
    byAck.sort(Comparator.comparingLong(Operation::endTime));
    Operation[] maxToken = new Operation[byAck.size()];
    for (int i = 0; i < byAck.size(); i++) {
      Operation g = byAck.get(i);
      maxToken[i] = i > 0 && token(maxToken[i - 1]) >= token(g) ? maxToken[i - 1] : g;
    }
    for (Operation b : grants) {
      int n = countEndedBefore(byAck, b.invokeTime());
      if (n == 0) {
        continue;
      }
      Operation a = maxToken[n - 1];
      if (token(a) >= token(b)) {
        out.add(new Violation(b.key(), "grant-order",
            "lock " + b.key() + " was granted under token " + token(b) + ", not above token " + token(a)
                + " granted (lock " + a.key() + ") before this acquire was sent: tokens must strictly"
                + " increase with every grant",
            List.of(Times.entry(a, start, "granted first"), Times.entry(b, start, "granted later, token not higher")),
            List.of()));
      }
    }
  }

  /** A resource's writes of one value, summarised. */
  private static final class Writers {
    final List<Operation> all = new ArrayList<>();
    final List<Operation> applicable = new ArrayList<>(); // ok or info: may have been applied

    void add(Operation op) {
      all.add(op);
      if (op.outcome() != Outcome.FAIL) {
        applicable.add(op);
      }
    }
  }

  private static int checkResource(String resource, List<Operation> ops, long start, List<Violation> out) {
    Map<String, Writers> writers = new HashMap<>();
    List<Operation> acked = new ArrayList<>();
    long lastAckedEnd = Long.MIN_VALUE;
    Operation lastRead = null;
    for (Operation op : ops) {
      if (op.f() == Fn.GUARDED_WRITE) {
        writers.computeIfAbsent(op.written(), v -> new Writers()).add(op);
        if (op.outcome() == Outcome.OK) {
          acked.add(op);
          lastAckedEnd = Math.max(lastAckedEnd, op.endTime());
        }
      } else if (op.outcome() == Outcome.OK && (lastRead == null || op.invokeTime() > lastRead.invokeTime())) {
        lastRead = op;
      }
    }
    // Acknowledged writes by acknowledgement time, with running argmaxes of token and invoke time.
    acked.sort(Comparator.comparingLong(Operation::endTime));
    Operation[] maxToken = new Operation[acked.size()];
    Operation[] latestInvoked = new Operation[acked.size()];
    for (int i = 0; i < acked.size(); i++) {
      Operation w = acked.get(i);
      maxToken[i] = i > 0 && token(maxToken[i - 1]) >= token(w) ? maxToken[i - 1] : w;
      latestInvoked[i] = i > 0 && latestInvoked[i - 1].invokeTime() >= w.invokeTime() ? latestInvoked[i - 1] : w;
    }
    int reads = 0;
    for (Operation r : ops) {
      if (r.f() != Fn.GUARDED_READ || r.outcome() != Outcome.OK) {
        continue;
      }
      reads++;
      String v = r.output().text();
      long t = r.token().orElse(0); // tokens are >= 1; a never-written resource shows none
      Operation source = null; // the write whose value and token R shows; null: the initial state
      long sourceComplete = Long.MIN_VALUE;
      if (v != null) {
        Writers ws = writers.get(v);
        if (ws == null) {
          out.add(new Violation(resource, "phantom-read",
              "guarded-read returned " + r.output() + ", a value no guarded-write on " + resource + " ever wrote",
              List.of(Times.entry(r, start, "phantom value")), List.of()));
          continue;
        }
        if (ws.applicable.isEmpty()) {
          List<WindowEntry> window = new ArrayList<>();
          ws.all.forEach(w -> window.add(Times.entry(w, start, "refused: certainly not applied")));
          window.add(Times.entry(r, start, "read a value the resource refused"));
          out.add(new Violation(resource, "failed-write-read",
              "guarded-read returned " + r.output() + ", but every write of it failed (certainly not applied)",
              window, List.of()));
          continue;
        }
        source = ws.applicable.stream().filter(w -> token(w) == t).findFirst().orElse(null);
        if (source == null) {
          List<WindowEntry> window = new ArrayList<>();
          ws.applicable.forEach(w -> window.add(Times.entry(w, start, "wrote the value with another token")));
          window.add(Times.entry(r, start, "read the value with token " + t));
          out.add(new Violation(resource, "token-mismatch",
              "guarded-read returned " + r.output() + " with token " + t + ", but that value was written with token "
                  + token(ws.applicable.get(0)),
              window, List.of()));
          continue;
        }
        if (source.invokeTime() > r.endTime()) {
          out.add(new Violation(resource, "future-read",
              "guarded-read returned " + r.output() + " before anyone started writing it: "
                  + Times.describe(source, start),
              List.of(Times.entry(r, start, "read from the future"),
                  Times.entry(source, start, "the writer, invoked later")), List.of()));
          continue;
        }
        sourceComplete = source.completeTime();
      }
      int n = countEndedBefore(acked, r.invokeTime());
      if (n == 0) {
        continue;
      }
      Operation byToken = token(maxToken[n - 1]) > t ? maxToken[n - 1] : null;
      Operation byTime = latestInvoked[n - 1].invokeTime() > sourceComplete ? latestInvoked[n - 1] : null;
      Operation lost = byToken != null ? byToken : byTime;
      if (lost == null) {
        continue;
      }
      boolean isFinal = r == lastRead && r.invokeTime() > lastAckedEnd;
      List<WindowEntry> window = new ArrayList<>();
      if (source != null) {
        window.add(Times.entry(source, start, "wrote the value read"));
      }
      window.add(Times.entry(lost, start, "acknowledged, then lost"));
      window.add(Times.entry(r, start, isFinal ? "final read: stale" : "stale read"));
      String shown = source == null ? "the initial (never written) state"
          : "written by " + Times.describe(source, start);
      String proof = byToken != null
          ? "; but " + Times.describe(lost, start) + " was acknowledged before the read began, and the"
              + " resource now shows token " + t + ", lower than its " + token(lost)
          : "; but " + Times.describe(lost, start) + " was invoked after that write completed and"
              + " acknowledged before the read began";
      out.add(new Violation(resource, "lost-write",
          (isFinal ? "final guarded-read" : "guarded-read") + " returned " + r.output() + ", " + shown + proof
              + ": an acknowledged guarded write was lost",
          window, List.of()));
    }
    return reads;
  }

  private static long token(Operation op) {
    return op.token().orElse(0);
  }

  /** How many of {@code sorted} (by end time) ended strictly before {@code time}. */
  private static int countEndedBefore(List<Operation> sorted, long time) {
    int lo = 0;
    int hi = sorted.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted.get(mid).endTime() < time) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
