package io.splitguard.core.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitguard.core.kv.KvCommand;
import io.splitguard.core.registry.RegistryState;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The lock and guarded-resource rules, one scenario at a time (see {@link LockTable}). */
class LockTableTest {
  private final RegistryState state = new RegistryState();

  private LockResult at(long nowMs, LockCommand command) {
    return state.apply(command.stamped(nowMs));
  }

  @Test
  void grantTokenIsTheGlobalRevisionSharedWithTheKeyspace() {
    state.apply(KvCommand.Put.of("k", "v")); // revision 1
    LockResult.Granted a = (LockResult.Granted) at(1_000, LockCommand.Acquire.of("a", "o1", 5_000));
    assertThat(a.lease()).isEqualTo(new Lease("a", "o1", 2, 5_000, 1_000, 6_000));
    assertThat(a.revision()).isEqualTo(2);
    LockResult.Granted b = (LockResult.Granted) at(1_001, LockCommand.Acquire.of("b", "o1", 5_000));
    assertThat(b.lease().token()).isEqualTo(3);
    // A key write after the grants gets a later revision than either token.
    assertThat(state.apply(KvCommand.Put.of("k", "w")).revision()).isEqualTo(4);
  }

  @Test
  void heldLockIsRefusedEvenToTheSameOwnerAndChangesNothing() {
    Lease lease = ((LockResult.Granted) at(1_000, LockCommand.Acquire.of("a", "o1", 5_000))).lease();
    assertThat(at(2_000, LockCommand.Acquire.of("a", "o2", 5_000)))
        .isEqualTo(new LockResult.Held(lease, 2_000, 1));
    assertThat(at(5_999, LockCommand.Acquire.of("a", "o1", 5_000)))
        .isEqualTo(new LockResult.Held(lease, 5_999, 1));
    assertThat(state.revision()).isEqualTo(1);
    assertThat(state.locks().lease("a")).contains(lease);
  }

  @Test
  void expiryIsLazyAndDecidedByTheReplicatedClock() {
    at(1_000, LockCommand.Acquire.of("a", "o1", 5_000));
    LockResult.Observed before = (LockResult.Observed) at(5_999, LockCommand.Inspect.of("a"));
    assertThat(before.expired()).isFalse();
    LockResult.Observed after = (LockResult.Observed) at(6_000, LockCommand.Inspect.of("a"));
    assertThat(after.expired()).isTrue();
    assertThat(state.locks().validLease("a")).isEmpty();
    assertThat(state.locks().lease("a")).isPresent(); // lazily kept until someone acquires
    LockResult.Granted next = (LockResult.Granted) at(6_000, LockCommand.Acquire.of("a", "o2", 5_000));
    assertThat(next.lease().token()).isEqualTo(2);
    assertThat(next.lease().owner()).isEqualTo("o2");
  }

  @Test
  void keepAliveExtendsFromNowAndKeepsTheToken() {
    at(1_000, LockCommand.Acquire.of("a", "o1", 5_000));
    LockResult.Extended e = (LockResult.Extended) at(4_000, LockCommand.KeepAlive.of("a", 1));
    assertThat(e.lease()).isEqualTo(new Lease("a", "o1", 1, 5_000, 1_000, 9_000));
    assertThat(e.revision()).isEqualTo(1); // a keep-alive is not a new revision
    assertThat(at(8_999, LockCommand.Acquire.of("a", "o2", 1_000))).isInstanceOf(LockResult.Held.class);
  }

  @Test
  void keepAliveAndReleaseByANonHolderAreRefusedWithTheReason() {
    at(1_000, LockCommand.Acquire.of("a", "o1", 5_000));
    LockResult.NotHolder unknown = (LockResult.NotHolder) at(2_000, LockCommand.KeepAlive.of("a", 99));
    assertThat(unknown.reason()).isEqualTo(LockResult.NotHolder.Reason.UNKNOWN_TOKEN);
    LockResult.NotHolder free = (LockResult.NotHolder) at(2_000, LockCommand.Release.of("zz", 1));
    assertThat(free.reason()).isEqualTo(LockResult.NotHolder.Reason.NOT_HELD);
    LockResult.NotHolder expired = (LockResult.NotHolder) at(6_000, LockCommand.KeepAlive.of("a", 1));
    assertThat(expired.reason()).isEqualTo(LockResult.NotHolder.Reason.EXPIRED);
    at(6_000, LockCommand.Acquire.of("a", "o2", 5_000));
    LockResult.NotHolder superseded = (LockResult.NotHolder) at(6_001, LockCommand.Release.of("a", 1));
    assertThat(superseded.reason()).isEqualTo(LockResult.NotHolder.Reason.SUPERSEDED);
    assertThat(state.locks().lease("a").map(Lease::owner)).contains("o2");
    assertThat(state.revision()).isEqualTo(2);
  }

  @Test
  void releaseFreesTheLockAndAdvancesTheRevision() {
    at(1_000, LockCommand.Acquire.of("a", "o1", 5_000));
    LockResult.Released r = (LockResult.Released) at(2_000, LockCommand.Release.of("a", 1));
    assertThat(r.revision()).isEqualTo(2);
    assertThat(state.locks().lease("a")).isEmpty();
    assertThat(((LockResult.Granted) at(2_001, LockCommand.Acquire.of("a", "o2", 5_000))).lease().token())
        .isEqualTo(3);
  }

  @Test
  void aNewLeaderWithAClockBehindCannotExtendOrRewindTime() {
    at(10_000, LockCommand.Acquire.of("a", "o1", 5_000)); // expires at 15 000
    // The next leader's clock is 3 s behind: its stamps do not move the clock back ...
    LockResult.Observed o = (LockResult.Observed) at(7_000, LockCommand.Inspect.of("a"));
    assertThat(o.clockMs()).isEqualTo(10_000);
    // ... and a keep-alive it stamps extends from the replicated clock, not from its own.
    LockResult.Extended e = (LockResult.Extended) at(7_500, LockCommand.KeepAlive.of("a", 1));
    assertThat(e.lease().expiresAtMs()).isEqualTo(15_000);
    assertThat(state.locks().clockMs()).isEqualTo(10_000);
  }

  @Test
  void aNewLeaderWithAClockAheadShortensLeasesByItsLead() {
    at(10_000, LockCommand.Acquire.of("a", "o1", 5_000));
    // 2 s later in real time, a leader whose clock is 3 s ahead stamps 15 000: expired.
    assertThat(at(15_000, LockCommand.Acquire.of("a", "o2", 5_000))).isInstanceOf(LockResult.Granted.class);
  }

  @Test
  void guardedResourceAcceptsEqualOrNewerTokensOnly() {
    LockResult.GuardedWritten w = (LockResult.GuardedWritten) state.apply(new LockCommand.GuardedPut("r", 5, "x"));
    assertThat(w.value()).isEqualTo(new GuardedValue("r", "x", 5, 1));
    assertThat(state.apply(new LockCommand.GuardedPut("r", 5, "y"))).isInstanceOf(LockResult.GuardedWritten.class);
    assertThat(state.apply(new LockCommand.GuardedPut("r", 4, "old")))
        .isEqualTo(new LockResult.GuardedFenced("r", 4, 5, 2));
    assertThat(state.apply(new LockCommand.GuardedPut("r", 9, "new"))).isInstanceOf(LockResult.GuardedWritten.class);
    assertThat(state.apply(new LockCommand.GuardedPut("r", 5, "stale")))
        .isEqualTo(new LockResult.GuardedFenced("r", 5, 9, 3));
    assertThat(state.locks().guarded("r")).contains(new GuardedValue("r", "new", 9, 3));
    // Not checked against the lock table: no lock with token 9 exists.
    assertThat(state.locks().leases()).isEmpty();
  }

  @Test
  void unstampedCommandsAreDecidedAtTheCurrentClock() {
    at(1_000, LockCommand.Acquire.of("a", "o1", 5_000));
    LockResult.Observed o = (LockResult.Observed) state.apply(LockCommand.Inspect.of("a"));
    assertThat(o.clockMs()).isEqualTo(1_000);
  }

  @Test
  void commandsValidateTheirFields() {
    assertThatThrownBy(() -> LockCommand.Acquire.of("a", "o", 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LockCommand.Acquire.of("a", "o", LockCommand.MAX_TTL_MS + 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LockCommand.KeepAlive.of("a", 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new LockCommand.GuardedPut("r", -1, "v")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new LockCommand.Inspect("a", -2)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void expiryNeverOverflows() {
    at(Long.MAX_VALUE - 10, LockCommand.Acquire.of("a", "o1", LockCommand.MAX_TTL_MS));
    assertThat(state.locks().lease("a").map(Lease::expiresAtMs)).contains(Long.MAX_VALUE);
    assertThat(state.locks().validLease("a")).isPresent();
    assertThat(Optional.of(state.locks().clockMs())).contains(Long.MAX_VALUE - 10);
  }
}
