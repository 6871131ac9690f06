package io.splitguard.chaos.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitguard.chaos.history.ClientEvent;
import io.splitguard.chaos.history.EventType;
import io.splitguard.chaos.history.Fn;
import io.splitguard.chaos.history.History;
import io.splitguard.chaos.history.HistoryEvent;
import io.splitguard.chaos.history.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Lock and guarded-resource histories: grants must raise the token, reads of a guarded resource
 * must show an applied write with its own token and must not miss an acknowledged one; and {@link
 * HistoryCheck} runs these checks plus fencing (and not the register checkers) on such histories.
 */
class LockCheckerTest {

  /** Hand-written lock histories; times are plain numbers, one process per concurrent client. */
  private static final class Locks {
    private final List<HistoryEvent> events = new ArrayList<>();

    private Locks add(int p, EventType type, Fn f, String key, Value v, long time, Long token) {
      events.add(new ClientEvent(p, type, f, key, v, time,
          token == null ? OptionalLong.empty() : OptionalLong.of(token), Map.of()));
      return this;
    }

    Locks acquire(int p, String lock, long token, long from, long to) {
      return add(p, EventType.INVOKE, Fn.ACQUIRE, lock, Value.of("c" + p), from, null)
          .add(p, EventType.OK, Fn.ACQUIRE, lock, Value.of("c" + p), to, token);
    }

    Locks acquireRefused(int p, String lock, long from, long to) {
      return add(p, EventType.INVOKE, Fn.ACQUIRE, lock, Value.of("c" + p), from, null)
          .add(p, EventType.FAIL, Fn.ACQUIRE, lock, Value.of("c" + p), to, null);
    }

    Locks release(int p, String lock, long token, long from, long to) {
      return add(p, EventType.INVOKE, Fn.RELEASE, lock, Value.MISSING, from, token)
          .add(p, EventType.OK, Fn.RELEASE, lock, Value.MISSING, to, null);
    }

    Locks write(int p, String resource, long token, String v, EventType outcome, long from, long to) {
      return add(p, EventType.INVOKE, Fn.GUARDED_WRITE, resource, Value.of(v), from, token)
          .add(p, outcome, Fn.GUARDED_WRITE, resource, Value.of(v), to, null);
    }

    Locks read(int p, String resource, String v, Long token, long from, long to) {
      return add(p, EventType.INVOKE, Fn.GUARDED_READ, resource, Value.MISSING, from, null)
          .add(p, EventType.OK, Fn.GUARDED_READ, resource, Value.of(v), to, token);
    }

    History build() {
      return History.pair(events);
    }
  }

  private static Verdict check(Locks h) {
    return new LockChecker().check(h.build());
  }

  private static List<String> kinds(Verdict v) {
    return v.violations().stream().map(Violation::kind).toList();
  }

  /** Two holders in turn, a zombie write refused, the final read shows the newest write. */
  private static Locks correctRun() {
    return new Locks()
        .acquire(1, "lock1", 3, 0, 10)
        .write(1, "res1", 3, "p1-1", EventType.OK, 11, 20)
        .write(1, "res1", 3, "p1-2", EventType.OK, 21, 30)
        .release(1, "lock1", 3, 31, 40)
        .acquireRefused(2, "lock1", 5, 8)
        .acquire(2, "lock1", 6, 41, 50)
        .write(3, "res1", 3, "p3-1", EventType.FAIL, 51, 55) // an old holder's late write: FENCED
        .write(2, "res1", 6, "p2-1", EventType.OK, 52, 60)
        .write(2, "res1", 6, "p2-2", EventType.INFO, 61, 70) // timed out: may or may not apply
        .read(4, "res1", "p2-2", 6L, 80, 90)
        .read(4, "res2", null, null, 91, 95);
  }

  @Test
  void aCorrectRunPassesEveryCheck() {
    Verdict v = check(correctRun());
    assertThat(v.validity()).isEqualTo(Validity.VALID);
    assertThat(v.operations()).as("2 grants and 2 ok reads").isEqualTo(4);
    assertThat(v.keys()).as("lock1, res1, res2").isEqualTo(3);
    CheckReport report = HistoryCheck.check(correctRun().build(), null);
    assertThat(report.verdicts()).extracting(Verdict::checker).containsExactly(LockChecker.NAME, FencingChecker.NAME);
    assertThat(report.passed()).isTrue();
    assertThat(report.verdict(FencingChecker.NAME).orElseThrow().operations()).as("the ok guarded-writes").isEqualTo(3);
  }

  @Test
  void aTokenGoingBackwardsAtTheResourceFailsFencingAndTheFinalRead() {
    // The old holder's write with token 3 is accepted after the new holder's token 6 was: split brain.
    Locks h = new Locks()
        .acquire(1, "lock1", 3, 0, 10)
        .acquire(2, "lock1", 6, 20, 30)
        .write(2, "res1", 6, "p2-1", EventType.OK, 31, 40)
        .write(1, "res1", 3, "p1-1", EventType.OK, 41, 50)
        .read(4, "res1", "p1-1", 3L, 60, 70);
    CheckReport report = HistoryCheck.check(h.build(), null);
    assertThat(report.verdict(FencingChecker.NAME).orElseThrow().validity()).isEqualTo(Validity.INVALID);
    assertThat(report.verdict(FencingChecker.NAME).orElseThrow().violations().get(0).kind())
        .isEqualTo("token-regression");
    Verdict locks = report.verdict(LockChecker.NAME).orElseThrow();
    assertThat(kinds(locks)).containsExactly("lost-write");
    assertThat(locks.violations().get(0).message()).startsWith("final guarded-read returned \"p1-1\"")
        .contains("token 3, lower than its 6");
  }

  @Test
  void anAcknowledgedWriteMissingFromALaterReadIsLost() {
    Locks h = new Locks()
        .write(1, "res1", 3, "a", EventType.OK, 0, 10)
        .write(1, "res1", 3, "b", EventType.OK, 11, 20)
        .read(2, "res1", "a", 3L, 30, 40);
    Verdict v = check(h);
    assertThat(kinds(v)).containsExactly("lost-write");
    assertThat(v.violations().get(0).key()).isEqualTo("res1");
    assertThat(v.violations().get(0).window()).extracting(WindowEntry::note)
        .containsExactly("wrote the value read", "acknowledged, then lost", "final read: stale");
  }

  @Test
  void aReadOfANeverWrittenResourceAfterAnAcknowledgedWriteIsALostWrite() {
    Locks h = new Locks()
        .write(1, "res1", 3, "a", EventType.OK, 0, 10)
        .read(2, "res1", null, null, 30, 40);
    assertThat(kinds(check(h))).containsExactly("lost-write");
  }

  @Test
  void overlappingWritesMayBeSeenInEitherOrder() {
    // b was invoked before a's acknowledgement: a may have replaced b or the other way round.
    Locks h = new Locks()
        .write(1, "res1", 3, "a", EventType.OK, 0, 10)
        .write(2, "res1", 3, "b", EventType.OK, 5, 20)
        .read(3, "res1", "a", 3L, 30, 40);
    assertThat(check(h).validity()).isEqualTo(Validity.VALID);
  }

  @Test
  void aLaterWriteWithAHigherTokenMayReplaceAnAcknowledgedOne() {
    Locks h = new Locks()
        .write(1, "res1", 3, "a", EventType.OK, 0, 10)
        .write(2, "res1", 8, "b", EventType.INFO, 11, 20)
        .read(3, "res1", "b", 8L, 30, 40);
    assertThat(check(h).validity()).isEqualTo(Validity.VALID);
  }

  @Test
  void valuesNobodyWroteOrThatWereRefusedOrWithTheWrongTokenAreFlagged() {
    Locks h = new Locks()
        .write(1, "res1", 3, "a", EventType.FAIL, 0, 10)
        .write(1, "res2", 3, "b", EventType.OK, 11, 20)
        .read(2, "res1", "a", 3L, 30, 40)
        .read(2, "res2", "b", 4L, 41, 50)
        .read(2, "res3", "zzz", 9L, 51, 60);
    assertThat(kinds(check(h))).containsExactly("failed-write-read", "token-mismatch", "phantom-read");
  }

  @Test
  void aReadCannotSeeAWriteInvokedAfterItEnded() {
    Locks h = new Locks()
        .read(2, "res1", "a", 3L, 0, 10)
        .write(1, "res1", 3, "a", EventType.INFO, 20, 30);
    assertThat(kinds(check(h))).containsExactly("future-read");
  }

  @Test
  void grantsMustRaiseTheTokenAcrossLocks() {
    Locks h = new Locks()
        .acquire(1, "lock1", 5, 0, 10)
        .acquire(2, "lock2", 4, 2, 12) // overlapping: may have been granted first
        .acquire(3, "lock2", 5, 20, 30); // after token 5 was granted: must be above it
    Verdict v = check(h);
    assertThat(kinds(v)).containsExactly("grant-order");
    assertThat(v.violations().get(0).key()).isEqualTo("lock2");
  }

  @Test
  void aGuardedFileGivenExplicitlyIsWhatFencingChecks() {
    // The file says nothing was accepted, so fencing has nothing to object to.
    CheckReport report = HistoryCheck.check(new Locks()
        .write(2, "res1", 6, "p2-1", EventType.OK, 31, 40)
        .write(1, "res1", 3, "p1-1", EventType.OK, 41, 50).build(), List.of());
    assertThat(report.verdict(FencingChecker.NAME).orElseThrow().operations()).isZero();
  }

  @Test
  void registerCheckersIgnoreLockOperationsInAMixedHistory() {
    History h = History.pair(List.of(
        new ClientEvent(1, EventType.INVOKE, Fn.WRITE, "k1", Value.of("x"), 0),
        new ClientEvent(1, EventType.OK, Fn.WRITE, "k1", Value.of("x"), 1),
        new ClientEvent(2, EventType.INVOKE, Fn.GUARDED_WRITE, "k1", Value.of("y"), 2, OptionalLong.of(3), Map.of()),
        new ClientEvent(2, EventType.OK, Fn.GUARDED_WRITE, "k1", Value.of("y"), 3),
        new ClientEvent(3, EventType.INVOKE, Fn.READ, "k1", Value.MISSING, 4),
        new ClientEvent(3, EventType.OK, Fn.READ, "k1", Value.of("x"), 5)));
    CheckReport report = HistoryCheck.check(h, null);
    assertThat(report.verdicts()).extracting(Verdict::checker).containsExactly(
        LinearizabilityChecker.NAME, LostWriteChecker.NAME, LockChecker.NAME, FencingChecker.NAME);
    assertThat(report.passed()).as(report.toText()).isTrue();
  }
}
