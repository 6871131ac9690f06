package io.splitguard.core.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Property tests of the lock and guarded-resource rules: the table against an independently
 * written oracle, and the safety properties stated on their own (so that a bug shared by table and
 * oracle still fails). Stamps wander forwards and backwards, as the clocks of successive leaders
 * can. QuickTheories prints the falsifying input and its seed; {@code -DQT_SEED=...} replays it.
 */
class LockTablePropertiesTest {

  /**
   * One step: which command, on which lock/resource, by which owner, with which TTL and token, and
   * how far the stamping leader's clock moved (possibly backwards) since the previous step.
   */
  record Step(int kind, int name, int owner, long ttl, long token, long deltaMs, boolean unstamped) {}

  private static final Gen<Step> STEPS =
      integers().between(0, Integer.MAX_VALUE).zip(integers().between(0, Integer.MAX_VALUE),
          (a, b) -> new Step(
              a % 100,
              (a / 100) % 3,
              (a / 300) % 3,
              // TTLs and clock steps on a 250 ms grid, so that "exactly at expiry" happens often.
              250L * (1 + (a / 900) % 24),
              1 + b % 40,
              250L * ((b / 40) % 37 - 12), // -3 s .. +6 s: leaders' clocks disagree both ways
              (b / 360_000) % 20 == 0));

  private static final Gen<List<Step>> SCENARIOS = lists().of(STEPS).ofSizeBetween(0, 80);

  /** Turns steps into stamped commands, keeping the (possibly backwards) stamping time. */
  private static List<LockCommand> commands(List<Step> steps) {
    List<LockCommand> commands = new ArrayList<>();
    long leaderTime = 1_000_000;
    for (Step s : steps) {
      leaderTime = Math.max(0, leaderTime + s.deltaMs());
      String lock = "lock-" + s.name();
      LockCommand c;
      if (s.kind() < 35) {
        c = LockCommand.Acquire.of(lock, "owner-" + s.owner(), s.ttl());
      } else if (s.kind() < 55) {
        c = LockCommand.KeepAlive.of(lock, s.token());
      } else if (s.kind() < 65) {
        c = LockCommand.Release.of(lock, s.token());
      } else if (s.kind() < 75) {
        c = LockCommand.Inspect.of(lock);
      } else {
        c = new LockCommand.GuardedPut("res-" + s.name(), s.token(), "v" + s.kind());
      }
      commands.add(s.unstamped() ? c : c.stamped(leaderTime));
    }
    return commands;
  }

  /** A plain revision counter standing in for the keyspace's. */
  static final class Counter implements LockTable.Revisions {
    long revision;

    @Override
    public long current() {
      return revision;
    }

    @Override
    public long advance() {
      return ++revision;
    }
  }

  @Test
  void tableMatchesANaiveOracle() {
    qt().withExamples(400).forAll(SCENARIOS).checkAssert(steps -> {
      LockTable table = new LockTable();
      Counter revisions = new Counter();
      Oracle oracle = new Oracle();
      for (LockCommand c : commands(steps)) {
        LockResult actual = table.apply(c, revisions);
        LockResult expected = oracle.apply(c);
        assertThat(actual).as("after %s", c).isEqualTo(expected);
      }
      assertThat(table.leases()).isEqualTo(oracle.leases);
      assertThat(table.guardedValues()).isEqualTo(oracle.guarded);
      assertThat(table.clockMs()).isEqualTo(oracle.clock);
    });
  }

  @Test
  void tokensNeverGoBackwards() {
    qt().withExamples(400).forAll(SCENARIOS).checkAssert(steps -> {
      LockTable table = new LockTable();
      Counter revisions = new Counter();
      long highestGranted = 0;
      long lastRevision = 0;
      Map<String, Long> tokenBefore = new HashMap<>();
      for (LockCommand c : commands(steps)) {
        tokenBefore.clear();
        table.leases().forEach((name, lease) -> tokenBefore.put(name, lease.token()));
        LockResult r = table.apply(c, revisions);
        assertThat(r.revision()).as("revision after %s", c).isGreaterThanOrEqualTo(lastRevision);
        lastRevision = r.revision();
        if (r instanceof LockResult.Granted g) {
          assertThat(g.lease().token()).as("token of %s", c).isGreaterThan(highestGranted);
          assertThat(g.lease().token()).isEqualTo(g.revision());
          highestGranted = g.lease().token();
        }
        if (r instanceof LockResult.Extended e) {
          assertThat(e.lease().token()).as("keep-alive keeps the token").isEqualTo(tokenBefore.get(e.lease().name()));
        }
        for (Lease lease : table.leases().values()) {
          assertThat(lease.token()).isLessThanOrEqualTo(revisions.current());
        }
      }
    });
  }

  @Test
  void anExpiredLeaseIsNeverReportedValid() {
    qt().withExamples(400).forAll(SCENARIOS).checkAssert(steps -> {
      LockTable table = new LockTable();
      Counter revisions = new Counter();
      for (LockCommand c : commands(steps)) {
        Optional<Lease> before = table.lease(c.name());
        LockResult r = table.apply(c, revisions);
        long clock = table.clockMs();
        // Only an unexpired lease keeps a lock from someone else, gets extended or released.
        if (r instanceof LockResult.Granted) {
          assertThat(before.isEmpty() || before.get().isExpiredAt(clock)).as("granted over %s at %d", before, clock).isTrue();
        }
        if (r instanceof LockResult.Held h) {
          assertThat(h.holder().isExpiredAt(h.clockMs())).as("held by an expired lease").isFalse();
        }
        if (r instanceof LockResult.Extended || r instanceof LockResult.Released) {
          assertThat(before).isPresent();
          assertThat(before.get().isExpiredAt(clock)).as("extended/released an expired lease").isFalse();
        }
        if (r instanceof LockResult.Observed o && o.lease().isPresent()) {
          assertThat(o.expired()).isEqualTo(clock >= o.lease().get().expiresAtMs());
        }
        for (Lease lease : table.leases().values()) {
          boolean valid = table.validLease(lease.name()).isPresent();
          assertThat(valid).as("%s valid at clock %d", lease, clock).isEqualTo(clock < lease.expiresAtMs());
        }
      }
    });
  }

  @Test
  void aGuardedResourceNeverAcceptsAnOlderTokenAfterANewerOne() {
    qt().withExamples(400).forAll(SCENARIOS).checkAssert(steps -> {
      LockTable table = new LockTable();
      Counter revisions = new Counter();
      Map<String, Long> highestAccepted = new HashMap<>();
      for (LockCommand c : commands(steps)) {
        LockResult r = table.apply(c, revisions);
        if (r instanceof LockResult.GuardedWritten w) {
          long highest = highestAccepted.getOrDefault(w.value().resource(), 0L);
          assertThat(w.value().token()).as("accepted %s after %d", c, highest).isGreaterThanOrEqualTo(highest);
          highestAccepted.put(w.value().resource(), w.value().token());
        }
        if (r instanceof LockResult.GuardedFenced f) {
          assertThat(f.highestToken()).isEqualTo(highestAccepted.get(f.resource()));
          assertThat(f.token()).isLessThan(f.highestToken());
        }
      }
      highestAccepted.forEach((resource, token) ->
          assertThat(table.guarded(resource).map(GuardedValue::token)).contains(token));
    });
  }

  @Test
  void theReplicatedClockNeverDecreasesEvenWhenStampsGoBackwards() {
    qt().withExamples(400).forAll(SCENARIOS).checkAssert(steps -> {
      LockTable table = new LockTable();
      Counter revisions = new Counter();
      long maxStamp = 0;
      long previous = table.clockMs();
      for (LockCommand c : commands(steps)) {
        table.apply(c, revisions);
        maxStamp = Math.max(maxStamp, c.nowMs());
        assertThat(table.clockMs()).as("clock after %s", c).isGreaterThanOrEqualTo(previous).isEqualTo(maxStamp);
        previous = table.clockMs();
      }
    });
  }

  /** The rules of {@link LockTable}, written again as plainly as possible. */
  private static final class Oracle {
    final Map<String, Lease> leases = new HashMap<>();
    final Map<String, GuardedValue> guarded = new HashMap<>();
    long clock;
    long revision;

    LockResult apply(LockCommand c) {
      if (c instanceof LockCommand.GuardedPut g) {
        GuardedValue cur = guarded.get(g.resource());
        if (cur != null && g.token() < cur.token()) {
          return new LockResult.GuardedFenced(g.resource(), g.token(), cur.token(), revision);
        }
        revision++;
        GuardedValue v = new GuardedValue(g.resource(), g.value(), g.token(), revision);
        guarded.put(g.resource(), v);
        return new LockResult.GuardedWritten(v, revision);
      }
      clock = Math.max(clock, c.nowMs());
      Lease cur = leases.get(c.name());
      boolean held = cur != null && clock < cur.expiresAtMs();
      if (c instanceof LockCommand.Acquire a) {
        if (held) {
          return new LockResult.Held(cur, clock, revision);
        }
        revision++;
        Lease l = new Lease(a.name(), a.owner(), revision, a.ttlMs(), clock, clock + a.ttlMs());
        leases.put(a.name(), l);
        return new LockResult.Granted(l, revision);
      }
      long token = c instanceof LockCommand.KeepAlive k ? k.token()
          : c instanceof LockCommand.Release r ? r.token() : -1;
      if (c instanceof LockCommand.Inspect) {
        return new LockResult.Observed(c.name(), Optional.ofNullable(cur), clock, revision);
      }
      if (!held || cur.token() != token) {
        return new LockResult.NotHolder(c.name(), token, Optional.ofNullable(cur), clock, revision);
      }
      if (c instanceof LockCommand.KeepAlive) {
        Lease l = new Lease(cur.name(), cur.owner(), cur.token(), cur.ttlMs(), cur.grantedAtMs(), clock + cur.ttlMs());
        leases.put(c.name(), l);
        return new LockResult.Extended(l, revision);
      }
      leases.remove(c.name());
      revision++;
      return new LockResult.Released(cur, revision);
    }
  }
}
