package io.splitguard.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.splitguard.core.cluster.ClusterMember;
import io.splitguard.core.cluster.ClusterSpec;
import io.splitguard.core.cluster.HostPort;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.config.NodeSettings;
import io.splitguard.core.kv.KvCommand;
import io.splitguard.core.kv.KvResult;
import io.splitguard.core.lock.GuardedValue;
import io.splitguard.core.lock.Lease;
import io.splitguard.core.lock.LockCommand;
import io.splitguard.core.lock.LockResult;
import io.splitguard.core.registry.ConsensusStatus;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Locks through real Ratis: the leader stamps its own clock into lock commands, every replica
 * applies the same time, a new leader with a clock behind cannot rewind or extend a lease, and
 * locks survive a restart through snapshot and log. Each node has its own settable clock.
 */
class RatisLocksTest {
  private static final long T0 = 1_700_000_000_000L;

  @TempDir Path dir;
  private final List<RatisRegistry> running = new ArrayList<>();
  private final List<AtomicLong> clocks = new ArrayList<>();
  private ClusterSpec cluster;
  private NodeSettings settings;

  @AfterEach
  void stopAll() {
    running.forEach(r -> {
      if (r != null) {
        r.close();
      }
    });
  }

  private void startCluster() throws IOException {
    List<ClusterMember> members = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      members.add(new ClusterMember(NodeId.of("n" + i),
          new HostPort("127.0.0.1", freePort()), new HostPort("127.0.0.1", freePort())));
      clocks.add(new AtomicLong(T0 + i * 1_000));
    }
    cluster = new ClusterSpec(members);
    NodeSettings d = NodeSettings.defaults();
    settings = new NodeSettings(d.heartbeatInterval(), d.electionTimeoutMin(), d.electionTimeoutMax(),
        d.phiThreshold(), d.minStdDeviation(), d.acceptablePause(), d.requestTimeout(),
        d.maxKeyBytes(), d.maxValueBytes(), 100).validate();
    for (int i = 0; i < 3; i++) {
      running.add(start(i));
    }
  }

  private RatisRegistry start(int i) throws IOException {
    NodeId id = cluster.members().get(i).id();
    AtomicLong clock = clocks.get(i);
    return RatisRegistry.start(
        new RegistryOptions(id, cluster, "test", dir.resolve(id.value()), settings), clock::get);
  }

  private int awaitLeader() {
    return await().atMost(Duration.ofSeconds(20)).until(() -> {
      for (int i = 0; i < running.size(); i++) {
        RatisRegistry r = running.get(i);
        if (r != null && r.status().role() == ConsensusStatus.Role.LEADER) {
          return Optional.of(i);
        }
      }
      return Optional.<Integer>empty();
    }, Optional::isPresent).orElseThrow();
  }

  private static LockResult submit(RatisRegistry r, LockCommand c) throws Exception {
    return r.submit(c).get(20, TimeUnit.SECONDS);
  }

  @Test
  void theLeaderStampsItsClockAndANewLeaderCannotRewindIt() throws Exception {
    startCluster();
    int leader = awaitLeader();
    int other = (leader + 1) % 3;
    KvResult put = running.get(other).submit(KvCommand.Put.of("k", "v")).get(20, TimeUnit.SECONDS);
    assertThat(put.revision()).isEqualTo(1);

    // Sent through a follower: the stamp is still the leader's clock.
    Lease lease = ((LockResult.Granted) submit(running.get(other), LockCommand.Acquire.of("job", "a", 10_000))).lease();
    long leaderNow = clocks.get(leader).get();
    assertThat(lease.grantedAtMs()).isEqualTo(leaderNow);
    assertThat(lease.expiresAtMs()).isEqualTo(leaderNow + 10_000);
    assertThat(lease.token()).isEqualTo(2); // the global revision, after the key at 1
    // Every replica applied the same time.
    await().atMost(Duration.ofSeconds(10)).until(() ->
        running.stream().allMatch(r -> r.readLockLocal("job").lease().equals(Optional.of(lease))));
    for (RatisRegistry r : running) {
      assertThat(r.readLockLocal("job").clockMs()).isEqualTo(leaderNow);
    }

    // The leader goes away; every remaining clock is set far behind the replicated clock.
    running.get(leader).close();
    running.set(leader, null);
    for (int i = 0; i < 3; i++) {
      clocks.get(i).set(T0 - 60_000);
    }
    int next = awaitLeader();
    LockResult.Observed o = (LockResult.Observed) submit(running.get(next), LockCommand.Inspect.of("job"));
    assertThat(o.clockMs()).as("time never goes back").isEqualTo(leaderNow);
    assertThat(o.expired()).isFalse();
    LockResult.Extended e = (LockResult.Extended) submit(running.get(next), LockCommand.KeepAlive.of("job", lease.token()));
    assertThat(e.lease().expiresAtMs()).as("a clock behind cannot extend a lease").isEqualTo(lease.expiresAtMs());
    assertThat(submit(running.get(next), LockCommand.Acquire.of("job", "b", 10_000))).isInstanceOf(LockResult.Held.class);

    // The new leader's clock passes the expiry: the lock goes to b with a larger token.
    clocks.get(next).set(lease.expiresAtMs());
    LockResult.Granted b = (LockResult.Granted) submit(running.get(next), LockCommand.Acquire.of("job", "b", 10_000));
    assertThat(b.lease().token()).isGreaterThan(lease.token());
    assertThat(submit(running.get(next), new LockCommand.GuardedPut("db", b.lease().token(), "by b")))
        .isInstanceOf(LockResult.GuardedWritten.class);
    assertThat(submit(running.get(next), new LockCommand.GuardedPut("db", lease.token(), "by a")))
        .isEqualTo(new LockResult.GuardedFenced("db", lease.token(), b.lease().token(), b.lease().token() + 1));
    Optional<GuardedValue> read = running.get(next).readGuardedLinearizable("db").get(20, TimeUnit.SECONDS);
    assertThat(read).map(GuardedValue::value).contains("by b");
    assertThat(running.get(next).readGuardedLinearizable("nothing").get(20, TimeUnit.SECONDS)).isEmpty();
  }

  @Test
  void locksGuardedValuesAndTheClockSurviveARestartThroughSnapshotAndLog() throws Exception {
    startCluster();
    awaitLeader();
    RatisRegistry writer = running.get(0);
    long token = 0;
    for (int i = 0; i < 150; i++) {
      writer.submit(KvCommand.Put.of("key-" + (i % 10), "v" + i)).get(20, TimeUnit.SECONDS);
      if (i % 10 == 0) {
        LockResult r = submit(writer, LockCommand.Acquire.of("lock-" + i, "o", 3_600_000));
        token = ((LockResult.Granted) r).lease().token();
        submit(writer, new LockCommand.GuardedPut("res", token, "v" + i));
      }
    }
    Lease last = writer.readLockLocal("lock-140").lease().orElseThrow();
    assertThat(last.token()).isEqualTo(token);
    for (RatisRegistry r : running) {
      r.close();
    }
    running.clear();
    try (Stream<Path> files = Files.walk(dir)) {
      assertThat(files.anyMatch(p -> p.getFileName().toString().startsWith("snapshot."))).isTrue();
    }
    for (int i = 0; i < 3; i++) {
      clocks.get(i).set(T0); // behind every stamp so far
      running.add(start(i));
    }
    int leader = awaitLeader();
    LockResult.Observed o = (LockResult.Observed) submit(running.get(leader), LockCommand.Inspect.of("lock-140"));
    assertThat(o.lease()).contains(last);
    assertThat(o.clockMs()).isGreaterThanOrEqualTo(last.grantedAtMs());
    assertThat(running.get(leader).readGuardedLinearizable("res").get(20, TimeUnit.SECONDS))
        .map(GuardedValue::token).contains(token);
    LockResult.Granted after = (LockResult.Granted) submit(running.get(leader), LockCommand.Acquire.of("fresh", "o", 5_000));
    assertThat(after.lease().token()).as("tokens keep increasing across restarts").isGreaterThan(token);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
