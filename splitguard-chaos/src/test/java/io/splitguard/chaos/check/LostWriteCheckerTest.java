package io.splitguard.chaos.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitguard.chaos.history.EventType;
import org.junit.jupiter.api.Test;

/** The lost-write rules: each violation kind is found, and legal histories pass. */
class LostWriteCheckerTest {
  private final LostWriteChecker checker = new LostWriteChecker();

  private Verdict check(Hist h) {
    return checker.check(h.build());
  }

  @Test
  void staleReadNamesTheLostAcknowledgedWrite() {
    Verdict v = check(Hist.on("k1")
        .write(1, "a", 0, 10)
        .write(2, "b", 20, 30)
        .read(3, "b", 35, 38)
        .read(3, "a", 40, 50)
        .read(4, "b", 60, 70));
    assertThat(v.validity()).isEqualTo(Validity.INVALID);
    assertThat(v.violationCount()).isEqualTo(1);
    Violation violation = v.violations().get(0);
    assertThat(violation.kind()).isEqualTo("lost-write");
    assertThat(violation.message()).startsWith("read returned \"a\"").contains("p2 write \"b\"");
    assertThat(violation.window()).extracting(WindowEntry::note)
        .containsExactly("wrote the value read", "acknowledged, then lost", "stale read");
  }

  @Test
  void finalReadOfMissingAfterAcknowledgedWritesIsALostWrite() {
    Verdict v = check(Hist.on("k1").write(1, "a", 0, 10).write(1, "b", 20, 30).read(2, null, 100, 110));
    assertThat(v.validity()).isEqualTo(Validity.INVALID);
    assertThat(v.violations().get(0).message()).startsWith("final read returned null, the initial (missing) state; but p1 write \"b\"");
  }

  @Test
  void casAcknowledgementCountsAsAWrite() {
    Verdict v = check(Hist.on("k1")
        .write(1, "a", 0, 10)
        .cas(1, "a", "b", EventType.OK, 20, 30)
        .read(2, "a", 40, 50));
    assertThat(v.violations()).extracting(Violation::kind).containsExactly("lost-write");
  }

  @Test
  void phantomReadIsReported() {
    Verdict v = check(Hist.on("k1").write(1, "a", 0, 10).read(2, "ghost", 20, 30)
        .key("k2").write(1, "ghost", 40, 50));
    assertThat(v.violations()).extracting(Violation::kind).containsExactly("phantom-read");
    assertThat(v.violations().get(0).key()).isEqualTo("k1");
  }

  @Test
  void readOfAFailedWriteIsReported() {
    Verdict v = check(Hist.on("k1").writeFail(1, "a", 0, 10).read(2, "a", 20, 30));
    assertThat(v.violations()).extracting(Violation::kind).containsExactly("failed-write-read");
  }

  @Test
  void failedCasNeverWroteItsNewValue() {
    Verdict v = check(Hist.on("k1").cas(1, null, "a", EventType.FAIL, 0, 10).read(2, "a", 20, 30));
    assertThat(v.violations()).extracting(Violation::kind).containsExactly("failed-write-read");
  }

  @Test
  void readFromTheFutureIsReported() {
    Verdict v = check(Hist.on("k1").read(2, "a", 0, 10).write(1, "a", 20, 30));
    assertThat(v.violations()).extracting(Violation::kind).containsExactly("future-read");
  }

  @Test
  void indeterminateWriteReadLaterIsFine() {
    Verdict v = check(Hist.on("k1")
        .write(1, "a", 0, 10)
        .writeInfo(2, "x", 20, 30)
        .write(3, "b", 40, 50)
        .read(4, "x", 10_000, 10_010));
    assertThat(v.validity()).isEqualTo(Validity.VALID);
  }

  @Test
  void readOfAWriteConcurrentWithTheLaterAcknowledgedWriteIsFine() {
    Verdict v = check(Hist.on("k1")
        .write(1, "a", 0, 100)
        .write(2, "b", 50, 60)
        .read(3, "a", 200, 210));
    assertThat(v.validity()).isEqualTo(Validity.VALID);
  }

  @Test
  void readsConcurrentWithTheWriteMaySeeTheOldValue() {
    Verdict v = check(Hist.on("k1")
        .write(1, "a", 0, 10)
        .write(1, "b", 20, 30)
        .read(2, "a", 25, 40) // invoked before b was acknowledged
        .read(2, "b", 50, 60));
    assertThat(v.validity()).isEqualTo(Validity.VALID);
    assertThat(v.operations()).isEqualTo(2);
  }

  @Test
  void violationsAreCountedButTheListIsCapped() {
    Hist h = Hist.on("k1").write(1, "a", 0, 10).write(1, "b", 20, 30);
    for (int i = 0; i < 30; i++) {
      h.read(2, "a", 100 + i * 10, 105 + i * 10);
    }
    Verdict v = new LostWriteChecker(new CheckOptions(1000, 5)).check(h.build());
    assertThat(v.violationCount()).isEqualTo(30);
    assertThat(v.violations()).hasSize(5);
  }
}
