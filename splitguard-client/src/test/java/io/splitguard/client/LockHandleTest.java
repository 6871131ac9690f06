package io.splitguard.client;

import static io.splitguard.client.ScriptedServer.json;
import static io.splitguard.client.ScriptedServer.problem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Lock handles against a scripted node, on fake time: what is sent, when keep-alives happen, and
 * above all that validity is judged from the local monotonic clock and the send time, never from
 * the server's clock.
 */
class LockHandleTest {
  private static final Duration TTL = Duration.ofSeconds(6);
  private static final Duration MARGIN = Duration.ofMillis(500);
  /** Far in the future on purpose: the client must not use server time for validity. */
  private static final long SERVER_EXPIRY = 32_503_680_000_000L;

  private final FakeTime time = new FakeTime();
  private final ManualScheduler scheduler = new ManualScheduler(time);
  private final List<AutoCloseable> resources = new ArrayList<>();
  private final List<String> lost = new CopyOnWriteArrayList<>();
  private final LockListener listener =
      (handle, reason, cause) -> lost.add(reason + ":" + cause.map(SplitGuardException::code).orElse("-"));

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable r : resources) {
      r.close();
    }
  }

  private ScriptedServer server() throws IOException {
    ScriptedServer s = new ScriptedServer();
    resources.add(s);
    return s;
  }

  private SplitGuardClient client(ScriptedServer node) {
    SplitGuardClient c = SplitGuardClient.builder()
        .endpoints(List.of(node.uri()))
        .sleeper(time)
        .ticker(time)
        .random(7)
        .lockSafetyMargin(MARGIN)
        .keepAliveScheduler(scheduler)
        .build();
    resources.add(c);
    return c;
  }

  private static String lease(String name, String owner, long token, long expiresAtMs) {
    return "{\"name\":\"" + name + "\",\"owner\":\"" + owner + "\",\"token\":" + token
        + ",\"ttlMs\":6000,\"expiresAtMs\":" + expiresAtMs + "}";
  }

  private static ScriptedServer.Reply granted(long token) {
    return json(200, lease("job", "w1", token, SERVER_EXPIRY));
  }

  @Test
  void acquire_sendsOwnerAndTtl_andReturnsAHandleWithTheToken() throws IOException {
    ScriptedServer node = server().then(granted(7));

    LockHandle lock = client(node).acquire("jobs/nightly", "w1", TTL);

    assertThat(lock.token()).isEqualTo(7);
    assertThat(lock.owner()).isEqualTo("w1");
    assertThat(lock.isValid()).isTrue();
    assertThat(lock.remainingValidity()).isEqualTo(TTL.minus(MARGIN));
    assertThat(lock.expiresAtMs()).isEqualTo(SERVER_EXPIRY);
    ScriptedServer.Recorded r = node.requests().get(0);
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.rawPath()).isEqualTo("/v1/locks/jobs%2Fnightly");
    assertThat(r.body()).isEqualTo("{\"owner\":\"w1\",\"ttlMs\":6000}");
  }

  @Test
  void validity_countsFromTheFirstSend_notFromTheAnswerOrServerTime() throws IOException {
    // The first attempt is refused (no quorum), the client backs off, the second is granted:
    // validity still counts from before the first attempt.
    ScriptedServer node = server()
        .then(problem(503, "PARTITIONED", "no majority", "", Map.of("Retry-After", "1")))
        .then(granted(7))
        .otherwise(problem(503, "PARTITIONED", "no majority"));
    SplitGuardClient client = client(node);
    long before = time.nanoTime();

    LockHandle lock = client.acquire("job", "w1", TTL, listener);

    Duration waited = Duration.ofNanos(time.nanoTime() - before);
    assertThat(waited).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    Duration left = TTL.minus(MARGIN).minus(waited);
    assertThat(lock.remainingValidity()).isEqualTo(left);
    // Keep-alives fail from now on; validity ends exactly at send + ttl - margin, whatever the
    // server said its expiry is.
    scheduler.advance(left.minusNanos(1));
    assertThat(lock.isValid()).isTrue();
    scheduler.advance(Duration.ofNanos(1));
    assertThat(lock.isValid()).isFalse();
    assertThat(lost).containsExactly("EXPIRED:UNAVAILABLE");
    assertThat(lock.lostReason()).contains(LockListener.LostReason.EXPIRED);
  }

  @Test
  void keepAlive_everyThirdOfTheTtl_extendsValidityFromItsOwnSendTime() throws IOException {
    ScriptedServer node = server().then(granted(7)).otherwise(granted(7));
    LockHandle lock = client(node).acquire("job", "w1", TTL, listener);

    scheduler.advance(Duration.ofSeconds(2));
    assertThat(node.requestCount()).isEqualTo(2);
    ScriptedServer.Recorded keepAlive = node.requests().get(1);
    assertThat(keepAlive.method()).isEqualTo("POST");
    assertThat(keepAlive.rawPath()).isEqualTo("/v1/locks/job/keepalive");
    assertThat(keepAlive.body()).isEqualTo("{\"token\":7}");
    assertThat(lock.remainingValidity()).isEqualTo(TTL.minus(MARGIN));

    // Well past the first TTL: still valid, kept alive three times per TTL.
    scheduler.advance(Duration.ofSeconds(20));
    assertThat(lock.isValid()).isTrue();
    assertThat(node.requestCount()).isEqualTo(1 + 11);
    assertThat(lost).isEmpty();
  }

  @Test
  void keepAlive_refusedWithFenced_losesTheLeaseAtOnce() throws IOException {
    ScriptedServer node = server()
        .then(granted(7))
        .then(problem(409, "FENCED", "token: 7 does not hold lock 'job'", "\"reason\":\"SUPERSEDED\",\"currentToken\":9,", Map.of()));
    LockHandle lock = client(node).acquire("job", "w1", TTL, listener);

    scheduler.advance(Duration.ofSeconds(2));

    assertThat(lock.isValid()).isFalse();
    assertThat(lost).containsExactly("REFUSED:FENCED");
    assertThat(lock.lostReason()).contains(LockListener.LostReason.REFUSED);
    assertThat(scheduler.pending()).isZero();
    scheduler.advance(Duration.ofSeconds(30));
    assertThat(node.requestCount()).isEqualTo(2);
    assertThat(lost).hasSize(1);
  }

  @Test
  void keepAlive_failingTransiently_isRetried_andTheLeaseIsLostWhenValidityRunsOut() throws IOException {
    ScriptedServer node = server()
        .then(granted(7))
        .otherwise(problem(503, "PARTITIONED", "no majority"));
    LockHandle lock = client(node).acquire("job", "w1", TTL, listener);

    scheduler.advance(TTL.minus(MARGIN).minusMillis(1));
    assertThat(lock.isValid()).isTrue();
    assertThat(lost).isEmpty();
    scheduler.advance(Duration.ofMillis(1));
    assertThat(lock.isValid()).isFalse();
    assertThat(lost).containsExactly("EXPIRED:UNAVAILABLE");
    assertThat(node.requestCount()).as("keep-alives were retried").isGreaterThan(3);
  }

  @Test
  void keepAlive_recoversAfterTransientFailures() throws IOException {
    ScriptedServer node = server()
        .then(granted(7))
        .then(ScriptedServer.hangUp())
        .otherwise(granted(7));
    SplitGuardClient client = client(node);
    LockHandle lock = client.acquire("job", "w1", TTL, listener);

    scheduler.advance(Duration.ofSeconds(10));

    assertThat(lock.isValid()).isTrue();
    assertThat(lost).isEmpty();
  }

  @Test
  void release_sendsTheToken_stopsKeepAlives_andIsIdempotent() throws IOException {
    ScriptedServer node = server().then(granted(7)).then(json(200, "{\"name\":\"job\",\"token\":7,\"released\":true,\"revision\":8}"));
    LockHandle lock = client(node).acquire("job", "w1", TTL, listener);

    assertThat(lock.release()).isTrue();

    ScriptedServer.Recorded r = node.requests().get(1);
    assertThat(r.method()).isEqualTo("DELETE");
    assertThat(r.rawPath()).isEqualTo("/v1/locks/job");
    assertThat(r.body()).isEqualTo("{\"token\":7}");
    assertThat(lock.isValid()).isFalse();
    assertThat(lock.release()).isFalse();
    scheduler.advance(Duration.ofSeconds(30));
    assertThat(node.requestCount()).isEqualTo(2);
    assertThat(lost).isEmpty();
  }

  @Test
  void release_ofALeaseAlreadyGone_returnsFalse() throws IOException {
    ScriptedServer node = server().then(granted(7)).then(problem(409, "FENCED", "token: 7 does not hold lock 'job'"));
    assertThat(client(node).acquire("job", "w1", TTL).release()).isFalse();
  }

  @Test
  void close_neverThrows_evenWhenTheReleaseCannotBeConfirmed() throws IOException {
    ScriptedServer node = server().then(granted(7)).otherwise(problem(504, "TIMEOUT", "no commit"));
    LockHandle lock = client(node).acquire("job", "w1", TTL);
    lock.close();
    assertThat(lock.isValid()).isFalse();
    assertThat(node.requests().get(1).method()).isEqualTo("DELETE");
  }

  @Test
  void acquire_ofAHeldLock_throwsConflictNamingTheHolder() throws IOException {
    ScriptedServer node = server().then(problem(409, "CONFLICT", "lock 'job' is held",
        "\"name\":\"job\",\"owner\":\"w2\",\"token\":5,\"expiresAtMs\":1700000010000,\"remainingMs\":4000,", Map.of()));

    ConflictException e = catchThrowableOfType(ConflictException.class, () -> client(node).acquire("job", "w1", TTL));

    assertThat(e.holder()).hasValueSatisfying(h -> {
      assertThat(h.owner()).isEqualTo("w2");
      assertThat(h.token()).isEqualTo(5);
      assertThat(h.expiresAtMs()).isEqualTo(1_700_000_010_000L);
    });
    assertThat(e.currentRevision()).isEmpty();
    assertThat(scheduler.pending()).isZero();
  }

  @Test
  void acquire_withUnknownOutcome_isNotRetried() throws IOException {
    ScriptedServer node = server().then(problem(504, "TIMEOUT", "may or may not")).otherwise(granted(7));
    assertThatThrownBy(() -> client(node).acquire("job", "w1", TTL)).isInstanceOf(OutcomeUnknownException.class);
    assertThat(node.requestCount()).isEqualTo(1);
  }

  @Test
  void acquire_refusesATtlNotLongerThanTwiceTheMargin() throws IOException {
    ScriptedServer node = server();
    assertThatThrownBy(() -> client(node).acquire("job", "w1", Duration.ofMillis(1000)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("safety margin");
    assertThat(node.requestCount()).isZero();
  }

  @Test
  void guardedPut_attachesTheHandlesToken_andFencedCarriesTheHighestToken() throws IOException {
    ScriptedServer node = server()
        .then(granted(7))
        .then(json(200, "{\"resource\":\"db\",\"value\":\"v\",\"token\":7,\"revision\":9}"))
        .then(problem(409, "FENCED", "token: 7 is older than token 12", "\"highestToken\":12,", Map.of()));
    SplitGuardClient client = client(node);
    LockHandle lock = client.acquire("job", "w1", TTL);

    GuardedValue written = client.guardedPut("db", "v", lock);
    assertThat(written).isEqualTo(new GuardedValue("db", "v", 7, 9, false, -1));
    ScriptedServer.Recorded r = node.requests().get(1);
    assertThat(r.method()).isEqualTo("PUT");
    assertThat(r.rawPath()).isEqualTo("/v1/guarded/db");
    assertThat(r.body()).isEqualTo("{\"token\":7,\"value\":\"v\"}");

    FencedException e = catchThrowableOfType(FencedException.class, () -> client.guardedPut("db", "late", 7));
    assertThat(e.highestToken()).hasValue(12);
    assertThat(node.requestCount()).isEqualTo(3); // never retried
  }

  @Test
  void reads_parseLocksAndGuardedValues_andMissingIsEmpty() throws IOException {
    ScriptedServer node = server()
        .then(json(200, "{\"name\":\"job\",\"owner\":\"w1\",\"token\":7,\"ttlMs\":6000,\"expiresAtMs\":5,"
            + "\"expired\":true,\"remainingMs\":0,\"clockMs\":9}"))
        .then(json(200, "{\"name\":\"job\",\"owner\":\"w1\",\"token\":7,\"ttlMs\":6000,\"expiresAtMs\":5,"
            + "\"expired\":false,\"remainingMs\":3,\"stale\":true,\"appliedIndex\":40}"))
        .then(problem(404, "NOT_FOUND", "lock 'x' is not held"))
        .then(json(200, "{\"resource\":\"db\",\"value\":\"v\",\"token\":7,\"revision\":9,\"stale\":true,\"appliedIndex\":41}"))
        .then(problem(404, "NOT_FOUND", "never written"));
    SplitGuardClient client = client(node);

    assertThat(client.lock("job")).contains(new LockInfo("job", "w1", 7, 6000, 5, true, 0, false, -1));
    assertThat(client.lock("job", Consistency.STALE)).contains(new LockInfo("job", "w1", 7, 6000, 5, false, 3, true, 40));
    assertThat(client.lock("x")).isEmpty();
    assertThat(client.guardedGet("db", Consistency.STALE)).contains(new GuardedValue("db", "v", 7, 9, true, 41));
    assertThat(client.guardedGet("nothing")).isEmpty();
    assertThat(node.requests().get(0).rawQuery()).isEqualTo("consistency=linearizable");
    assertThat(node.requests().get(1).rawQuery()).isEqualTo("consistency=stale");
    assertThat(node.requests().get(3).rawPath()).isEqualTo("/v1/guarded/db");
  }

  @Test
  void aThrowingListenerDoesNotBreakTheClient() throws IOException {
    ScriptedServer node = server().then(granted(7)).then(problem(409, "FENCED", "gone")).otherwise(granted(8));
    SplitGuardClient client = client(node);
    LockHandle lock = client.acquire("job", "w1", TTL, (h, r, c) -> {
      throw new IllegalStateException("listener bug");
    });
    scheduler.advance(Duration.ofSeconds(3));
    assertThat(lock.isValid()).isFalse();
    assertThat(client.acquire("job", "w1", TTL).token()).isEqualTo(8);
    assertThat(Optional.of(lock.lostReason())).isPresent();
  }

  @Test
  void closingTheClientStopsKeepAlives() throws IOException {
    ScriptedServer node = server().then(granted(7)).otherwise(granted(7));
    SplitGuardClient client = client(node);
    client.acquire("job", "w1", TTL);
    client.close();
    scheduler.advance(Duration.ofSeconds(30));
    assertThat(node.requestCount()).isEqualTo(1);
  }
}
