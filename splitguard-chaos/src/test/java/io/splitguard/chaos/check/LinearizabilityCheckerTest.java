package io.splitguard.chaos.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitguard.chaos.history.EventType;
import io.splitguard.chaos.history.Fn;
import io.splitguard.chaos.history.History;
import io.splitguard.chaos.history.HistoryEvent;
import io.splitguard.chaos.history.Value;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Known-bad histories are rejected with a readable window; known-good ones (also tricky) pass. */
class LinearizabilityCheckerTest {
  private final LinearizabilityChecker checker = new LinearizabilityChecker();

  private Verdict check(Hist h) {
    return checker.check(h.build());
  }

  // ---- known bad ----

  @Test
  void staleReadAfterAnAcknowledgedWriteIsRejected() {
    Verdict v = check(Hist.on("k1")
        .write(1, "a", 0, 10)
        .write(1, "b", 20, 30)
        .read(2, "a", 40, 50));
    assertThat(v.validity()).isEqualTo(Validity.INVALID);
    Violation violation = v.violations().get(0);
    assertThat(violation.key()).isEqualTo("k1");
    assertThat(violation.kind()).isEqualTo("non-linearizable");
    assertThat(violation.window()).anySatisfy(e -> {
      assertThat(e.operation()).isEqualTo("read -> \"a\"");
      assertThat(e.note()).isEqualTo("could not be linearized");
    });
  }

  @Test
  void lostAcknowledgedWriteIsRejected() {
    // The final read after the heal returns the older of two sequential acknowledged writes.
    Verdict v = check(Hist.on("k1")
        .write(1, "a", 0, 10)
        .write(2, "b", 15, 25)
        .read(3, "b", 30, 35)
        .read(4, "a", 1000, 1010));
    assertThat(v.validity()).isEqualTo(Validity.INVALID);
  }

  @Test
  void readOfMissingAfterAnAcknowledgedWriteIsRejected() {
    Verdict v = check(Hist.on("k1").write(1, "a", 0, 10).read(2, null, 20, 30));
    assertThat(v.validity()).isEqualTo(Validity.INVALID);
  }

  @Test
  void twoConcurrentCasFromTheSameValueBothSucceedingIsRejected() {
    Verdict v = check(Hist.on("k1")
        .write(1, "a", 0, 10)
        .cas(2, "a", "b", EventType.OK, 20, 40)
        .cas(3, "a", "c", EventType.OK, 25, 45));
    assertThat(v.validity()).isEqualTo(Validity.INVALID);
    assertThat(v.violations().get(0).window()).hasSizeGreaterThanOrEqualTo(2);
  }

  @Test
  void readOfAValueNeverWrittenIsRejected() {
    Verdict v = check(Hist.on("k1").write(1, "a", 0, 10).read(2, "zzz", 20, 30));
    assertThat(v.validity()).isEqualTo(Validity.INVALID);
  }

  @Test
  void readOfAFailedWritesValueIsRejected() {
    Verdict v = check(Hist.on("k1").writeFail(1, "a", 0, 10).read(2, "a", 20, 30));
    assertThat(v.validity()).isEqualTo(Validity.INVALID);
  }

  @Test
  void nonMonotonicReadsAcrossConcurrentWritesAreRejected() {
    // Both writes overlap both reads, but once "b" was read after "a", "a" cannot come back.
    Verdict v = check(Hist.on("k1")
        .write(1, "a", 0, 100)
        .write(2, "b", 0, 100)
        .read(3, "a", 10, 20)
        .read(3, "b", 30, 40)
        .read(3, "a", 50, 60));
    assertThat(v.validity()).isEqualTo(Validity.INVALID);
  }

  @Test
  void onlyTheBrokenKeyIsReported() {
    Verdict v = check(Hist.on("good")
        .write(1, "a", 0, 10).read(2, "a", 20, 30)
        .key("bad").write(3, "x", 0, 10).write(3, "y", 20, 30).read(4, "x", 40, 50));
    assertThat(v.validity()).isEqualTo(Validity.INVALID);
    assertThat(v.keys()).isEqualTo(2);
    assertThat(v.violations()).extracting(Violation::key).containsExactly("bad");
  }

  // ---- known good ----

  @Test
  void sequentialHistoryPasses() {
    Verdict v = check(Hist.on("k1")
        .read(1, null, 0, 5)
        .write(1, "a", 10, 20)
        .read(2, "a", 30, 40)
        .cas(1, "a", "b", EventType.OK, 50, 60)
        .cas(2, "a", "c", EventType.FAIL, 70, 80)
        .read(2, "b", 90, 100));
    assertThat(v.validity()).isEqualTo(Validity.VALID);
    assertThat(v.operations()).isEqualTo(5);
  }

  @Test
  void concurrentWritesMayBeReadInEitherOrder() {
    History ab = Hist.on("k1").write(1, "a", 0, 100).write(2, "b", 5, 95)
        .read(3, "a", 40, 50).read(3, "b", 60, 70).build();
    History ba = Hist.on("k1").write(1, "a", 0, 100).write(2, "b", 5, 95)
        .read(3, "b", 40, 50).read(3, "a", 60, 70).build();
    assertThat(checker.check(ab).validity()).isEqualTo(Validity.VALID);
    assertThat(checker.check(ba).validity()).isEqualTo(Validity.VALID);
  }

  @Test
  void indeterminateWriteMayAppearLongAfterItTimedOut() {
    Verdict v = check(Hist.on("k1")
        .writeInfo(1, "x", 0, 10)
        .write(2, "y", 20, 30)
        .read(3, "y", 40, 50)
        .read(3, "x", 1_000_000, 1_000_010));
    assertThat(v.validity()).isEqualTo(Validity.VALID);
  }

  @Test
  void indeterminateWriteMayNeverTakeEffect() {
    Verdict v = check(Hist.on("k1")
        .write(1, "a", 0, 10)
        .writeInfo(2, "x", 20, 30)
        .read(3, "a", 40, 50)
        .read(3, "a", 1000, 1010));
    assertThat(v.validity()).isEqualTo(Validity.VALID);
  }

  @Test
  void indeterminateWriteCannotTakeEffectBeforeItsInvoke() {
    Verdict v = check(Hist.on("k1")
        .read(3, "x", 0, 10)
        .writeInfo(1, "x", 20, 30));
    assertThat(v.validity()).isEqualTo(Validity.INVALID);
  }

  @Test
  void invokeWithoutCompletionIsIndeterminate() {
    Verdict v = check(Hist.on("k1")
        .pending(1, Fn.WRITE, Value.of("x"), 0)
        .read(2, null, 10, 20)
        .read(2, "x", 30, 40));
    assertThat(v.validity()).isEqualTo(Validity.VALID);
  }

  @Test
  void indeterminateCasMayOrMayNotApply() {
    Hist base = Hist.on("k1").write(1, "a", 0, 10).cas(2, "a", "b", EventType.INFO, 20, 30);
    assertThat(check(base.key("k1").read(3, "a", 40, 50)).validity()).isEqualTo(Validity.VALID);
    assertThat(check(Hist.on("k1").write(1, "a", 0, 10).cas(2, "a", "b", EventType.INFO, 20, 30)
        .read(3, "b", 40, 50)).validity()).isEqualTo(Validity.VALID);
    // ...but it can only apply once, and only from its expected value.
    assertThat(check(Hist.on("k1").write(1, "z", 0, 10).cas(2, "a", "b", EventType.INFO, 20, 30)
        .read(3, "b", 40, 50)).validity()).isEqualTo(Validity.INVALID);
  }

  @Test
  void failedOperationsAreIgnored() {
    Verdict v = check(Hist.on("k1")
        .write(1, "a", 0, 10)
        .writeFail(2, "b", 20, 30)
        .cas(2, "zz", "c", EventType.FAIL, 40, 50)
        .op(3, Fn.READ, Value.MISSING, Value.of("garbage"), EventType.FAIL, 60, 70)
        .read(3, "a", 80, 90));
    assertThat(v.validity()).isEqualTo(Validity.VALID);
    assertThat(v.operations()).isEqualTo(2);
  }

  @Test
  void processThatGoesOnAfterInfoKeepsTheInfoOpPendingForever() {
    // p1 breaks the rule (a fresh id was due); its timed-out write still may land at any time.
    Verdict v = check(Hist.on("k1")
        .writeInfo(1, "x", 0, 10)
        .read(1, null, 20, 30)
        .write(1, "y", 40, 50)
        .read(1, "x", 60, 70));
    assertThat(v.validity()).isEqualTo(Validity.VALID);
  }

  @Test
  void touchingOperationsCountAsConcurrent() {
    // The write is acknowledged at the very instant the read is invoked: either order is allowed.
    Verdict v = check(Hist.on("k1").write(1, "a", 0, 10).read(2, null, 10, 20));
    assertThat(v.validity()).isEqualTo(Validity.VALID);
  }

  @Test
  void emptyHistoryIsValid() {
    assertThat(checker.check(History.pair(List.of())).validity()).isEqualTo(Validity.VALID);
  }

  // ---- budget, pruning, report ----

  @Test
  void exhaustedBudgetIsUnknownNotValid() {
    Hist h = Hist.on("k1");
    for (int p = 0; p < 8; p++) {
      h.write(p, "v" + p, 0, 1000);
    }
    h.read(100, "v3", 1001, 1002);
    LinearizabilityChecker tiny = new LinearizabilityChecker(new CheckOptions(3, 20));
    Verdict v = tiny.check(h.build());
    assertThat(v.validity()).isEqualTo(Validity.UNKNOWN);
    assertThat(v.unknown()).singleElement().asString().startsWith("k1: search budget of 3 configurations");
    assertThat(checker.check(h.build()).validity()).isEqualTo(Validity.VALID);
  }

  @Test
  void justInTimeSearchDecidesWhatTheDepthFirstSearchCannot() {
    // A long, contended, broken history: proving it broken depth-first means exhausting every
    // order of the prefix, which a small budget does not allow; the just-in-time search stops at
    // the first operation that nothing explains.
    long seed = 1;
    List<HistoryEvent> events =
        RegisterSimulator.generate(seed, new RegisterSimulator.Config(1, 10, 2000, 10, 5));
    History bad = History.pair(RegisterSimulator.mutateOneRead(events, new Random(seed)));
    LinearizabilityChecker small = new LinearizabilityChecker(new CheckOptions(20_000, 20));
    LinearizabilityChecker.KeyResult r = small.checkKey("k0", bad.byKey().get("k0"), bad.startTime());
    assertThat(r.validity()).as("seed %d", seed).isEqualTo(Validity.INVALID);
    assertThat(r.decidedBy()).isEqualTo("frontier");
    assertThat(r.violation().details()).anySatisfy(d -> assertThat(d).startsWith("register states possible"));
    assertThat(r.violation().window()).anySatisfy(e -> assertThat(e.note()).isEqualTo("could not be linearized"));
    assertThat(small.checkKey("k0", History.pair(events).byKey().get("k0"), 0).validity())
        .isEqualTo(Validity.VALID);
  }

  @Test
  void unobservedIndeterminateWritesArePrunedBeforeTheSearch() {
    Hist h = Hist.on("k1").write(1, "a", 0, 10);
    for (int p = 2; p < 40; p++) {
      h.writeInfo(p, "lost" + p, 5, 15);
    }
    h.read(100, "a", 20, 30).writeInfo(101, "seen", 25, 26).read(102, "seen", 40, 50);
    var ops = h.build().byKey().get("k1");
    assertThat(LinearizabilityChecker.relevant(ops)).hasSize(4);
    // Without pruning 38 timeouts would make this search explode; with it, it is instant.
    assertThat(check(h.read(103, "zzz", 60, 70)).validity()).isEqualTo(Validity.INVALID);
  }

  @Test
  void violationWindowIsSmallWithRelativeTimesAndThePrefix() {
    Hist h = Hist.on("k1");
    long t = 1_000_000_000L; // histories start at arbitrary nanoTime values
    for (int i = 0; i < 50; i++) {
      h.write(1, "w" + i, t + i * 100, t + i * 100 + 50);
      h.read(2, "w" + i, t + i * 100 + 60, t + i * 100 + 70);
    }
    h.read(3, "w10", t + 5000, t + 5010); // stale: w49 was acknowledged at +4950
    Verdict v = check(h);
    assertThat(v.validity()).isEqualTo(Validity.INVALID);
    Violation violation = v.violations().get(0);
    assertThat(violation.window()).hasSizeLessThanOrEqualTo(5);
    assertThat(violation.window()).last().satisfies(e -> {
      assertThat(e.operation()).isEqualTo("read -> \"w10\"");
      assertThat(e.start()).isEqualTo(5000);
      assertThat(e.end()).isEqualTo(5010);
    });
    assertThat(violation.details().get(0))
        .contains("longest linearizable prefix: 100 operations")
        .contains("\"w49\"");
    String text = new CheckReport(101, 1, 0, List.of(v)).toText();
    System.out.println(text);
    assertThat(text).contains("+0.005ms").contains("could not be linearized");
  }
}
