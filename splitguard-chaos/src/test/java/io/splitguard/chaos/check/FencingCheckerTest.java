package io.splitguard.chaos.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitguard.chaos.history.GuardedWrite;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fencing rule: tokens proven to go backwards are reported; overlapping windows are not. */
class FencingCheckerTest {
  private final FencingChecker checker = new FencingChecker();

  private static GuardedWrite w(String r, long token, int p, long invoke, long ack) {
    return GuardedWrite.of(r, token, "v" + token, p, invoke, ack);
  }

  private static GuardedWrite ackOnly(String r, long token, Integer p, long ack) {
    return new GuardedWrite(r, token, "v" + token, ack,
        p == null ? OptionalInt.empty() : OptionalInt.of(p), OptionalLong.empty());
  }

  @Test
  void nonDecreasingTokensPass() {
    Verdict v = checker.check(List.of(
        w("r1", 1, 1, 0, 10), w("r1", 1, 1, 20, 30), w("r1", 2, 2, 40, 50), w("r2", 1, 3, 0, 5)), 0);
    assertThat(v.validity()).isEqualTo(Validity.VALID);
    assertThat(v.operations()).isEqualTo(4);
    assertThat(v.keys()).isEqualTo(2);
  }

  @Test
  void lowerTokenAcceptedAfterAHigherOneIsAViolation() {
    Verdict v = checker.check(List.of(w("r1", 5, 1, 0, 10), w("r1", 3, 2, 20, 30)), 0);
    assertThat(v.validity()).isEqualTo(Validity.INVALID);
    Violation violation = v.violations().get(0);
    assertThat(violation.kind()).isEqualTo("token-regression");
    assertThat(violation.key()).isEqualTo("r1");
    assertThat(violation.window()).extracting(WindowEntry::operation)
        .containsExactly("guarded r1 token 5 \"v5\"", "guarded r1 token 3 \"v3\"");
  }

  @Test
  void acknowledgementsReceivedOutOfOrderAreFineWhenTheWindowsOverlap() {
    // Token 3 was accepted first; its ack merely arrived after token 5's.
    Verdict v = checker.check(List.of(w("r1", 5, 1, 5, 10), w("r1", 3, 2, 0, 30)), 0);
    assertThat(v.validity()).isEqualTo(Validity.VALID);
  }

  @Test
  void withoutInvokeTimesTheProcessesPreviousAckBoundsTheSend() {
    // p2's second write was sent after its first ack (at 20), which is after token 5's ack (10).
    List<GuardedWrite> writes = List.of(
        ackOnly("r1", 5, 1, 10), ackOnly("other", 1, 2, 20), ackOnly("r1", 3, 2, 30));
    assertThat(checker.check(writes, 0).validity()).isEqualTo(Validity.INVALID);
    // Without the process, nothing bounds the send: the write with token 3 may have been accepted first.
    List<GuardedWrite> anonymous = List.of(ackOnly("r1", 5, null, 10), ackOnly("r1", 3, null, 30));
    assertThat(checker.check(anonymous, 0).validity()).isEqualTo(Validity.VALID);
  }

  @Test
  void equalTokensAreAccepted() {
    Verdict v = checker.check(List.of(w("r1", 4, 1, 0, 10), w("r1", 4, 2, 20, 30), w("r1", 4, 1, 40, 50)), 0);
    assertThat(v.validity()).isEqualTo(Validity.VALID);
  }

  /**
   * A simulated guarded register under concurrent writers with random delays: accepted writes
   * never trip the checker; injecting one stale holder's write (a lower token accepted after a
   * higher one was acknowledged) always does.
   */
  @Test
  void simulatedGuardedRegisterPassesAndAnInjectedRegressionIsFound() {
    for (long seed = 1; seed <= 200; seed++) {
      Random rnd = new Random(seed);
      // Attempts by 5 sequential processes: sent at `invoke`, reaching the register at `at`, acked
      // later; the register then applies them in `at` order. Tokens grow as locks change hands, and
      // a slow holder may still present the previous token.
      record Attempt(int process, long token, long invoke, long at, long ack) {}
      List<Attempt> attempts = new ArrayList<>();
      long[] freeAt = new long[5];
      long token = 1;
      long now = 0;
      for (int i = 0; i < 100; i++) {
        now += rnd.nextInt(20);
        if (rnd.nextInt(10) == 0) {
          token++;
        }
        int p = rnd.nextInt(5);
        long invoke = Math.max(now, freeAt[p]);
        long at = invoke + rnd.nextInt(10);
        long ack = at + rnd.nextInt(50);
        freeAt[p] = ack;
        attempts.add(new Attempt(p, Math.max(1, token - rnd.nextInt(2)), invoke, at, ack));
      }
      attempts.sort(Comparator.comparingLong(Attempt::at));
      List<GuardedWrite> accepted = new ArrayList<>();
      long highest = Long.MIN_VALUE;
      for (Attempt a : attempts) {
        if (a.token() >= highest) {
          highest = a.token();
          // Half the lines carry invokeTime; the others rely on the per-process bound.
          accepted.add(rnd.nextBoolean()
              ? GuardedWrite.of("r", a.token(), "x", a.process(), a.invoke(), a.ack())
              : ackOnly("r", a.token(), a.process(), a.ack()));
        }
      }
      accepted.sort(Comparator.comparingLong(GuardedWrite::time));
      Verdict good = checker.check(accepted, 0);
      assertThat(good.validity()).as("seed %d", seed).isEqualTo(Validity.VALID);

      GuardedWrite last = accepted.get(accepted.size() - 1);
      List<GuardedWrite> broken = new ArrayList<>(accepted);
      broken.add(GuardedWrite.of("r", last.token() - 1, "stale", 99, last.time() + 1, last.time() + 2));
      if (accepted.get(0).token() < last.token()) {
        assertThat(checker.check(broken, 0).validity()).as("seed %d", seed).isEqualTo(Validity.INVALID);
      }
    }
  }
}
