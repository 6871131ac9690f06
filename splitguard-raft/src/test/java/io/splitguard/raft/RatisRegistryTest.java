package io.splitguard.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.splitguard.core.cluster.ClusterMember;
import io.splitguard.core.cluster.ClusterSpec;
import io.splitguard.core.cluster.HostPort;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.config.NodeSettings;
import io.splitguard.core.election.LeaderContact;
import io.splitguard.core.keyspace.KeyspaceCommand;
import io.splitguard.core.keyspace.KeyspaceKeys;
import io.splitguard.core.keyspace.KeyspaceMode;
import io.splitguard.core.keyspace.KeyspaceResult;
import io.splitguard.core.keyspace.MergePolicy;
import io.splitguard.core.kv.KvCodec;
import io.splitguard.core.kv.KvCommand;
import io.splitguard.core.kv.KvEntry;
import io.splitguard.core.kv.KvResult;
import io.splitguard.core.registry.AppliedRequests;
import io.splitguard.core.registry.BatchCodec;
import io.splitguard.core.registry.ConsensusStatus;
import io.splitguard.core.registry.NoLeaderException;
import io.splitguard.core.registry.OutcomeUnknownException;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Ratis adapter on real Ratis servers and real sockets (loopback), three replicas in one JVM.
 * Multi-process behaviour (pauses, kills) is covered by the CLI module's integration tests.
 */
class RatisRegistryTest {
  @TempDir Path dir;
  private final List<RatisRegistry> running = new ArrayList<>();
  private ClusterSpec cluster;
  private NodeSettings settings;

  @AfterEach
  void stopAll() {
    running.forEach(RatisRegistry::close);
  }

  private void startCluster() throws IOException {
    startCluster(NodeSettings.defaults().requestTimeout());
  }

  private void startCluster(Duration requestTimeout) throws IOException {
    List<ClusterMember> members = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      members.add(new ClusterMember(NodeId.of("n" + i),
          new HostPort("127.0.0.1", freePort()), new HostPort("127.0.0.1", freePort())));
    }
    cluster = new ClusterSpec(members);
    NodeSettings d = NodeSettings.defaults();
    settings = new NodeSettings(d.heartbeatInterval(), d.electionTimeoutMin(), d.electionTimeoutMax(),
        d.phiThreshold(), d.minStdDeviation(), d.acceptablePause(), requestTimeout,
        d.maxKeyBytes(), d.maxValueBytes(), 100).validate();
    for (ClusterMember m : members) {
      running.add(start(m.id()));
    }
  }

  private RatisRegistry start(NodeId id) throws IOException {
    return RatisRegistry.start(
        new RegistryOptions(id, cluster, "test", dir.resolve(id.value()), settings));
  }

  private RatisRegistry awaitLeader() {
    return await().atMost(Duration.ofSeconds(20)).until(
        () -> running.stream().filter(r -> r.status().role() == ConsensusStatus.Role.LEADER).findFirst(),
        Optional::isPresent).orElseThrow();
  }

  @Test
  void writesThroughAnyNodeAreReadLinearizablyEverywhere() throws Exception {
    startCluster();
    awaitLeader();
    for (int i = 0; i < 3; i++) {
      KvResult result = running.get(i).submit(KvCommand.Put.of("k" + i, "v" + i)).get(20, TimeUnit.SECONDS);
      assertThat(result).isInstanceOf(KvResult.Written.class);
    }
    for (RatisRegistry reader : running) {
      for (int i = 0; i < 3; i++) {
        Optional<KvEntry> entry = reader.readLinearizable("k" + i).get(20, TimeUnit.SECONDS);
        assertThat(entry).map(KvEntry::value).contains("v" + i);
      }
    }
    // Compare-and-set against the modification revision.
    RatisRegistry any = running.get(1);
    long rev = any.readLinearizable("k0").get(20, TimeUnit.SECONDS).orElseThrow().modRevision();
    assertThat(any.submit(new KvCommand.Put("k0", "x", rev + 1)).get(20, TimeUnit.SECONDS))
        .isInstanceOf(KvResult.PreconditionFailed.class);
    assertThat(any.submit(new KvCommand.Put("k0", "x", rev)).get(20, TimeUnit.SECONDS))
        .isInstanceOf(KvResult.Written.class);
    assertThat(any.submit(new KvCommand.Put("k0", "y", 0)).get(20, TimeUnit.SECONDS))
        .isInstanceOf(KvResult.PreconditionFailed.class);
  }

  @Test
  void concurrentWritesThroughEveryNodeAreEachAppliedOnce() throws Exception {
    startCluster();
    awaitLeader();
    int writes = 300;
    List<CompletableFuture<KvResult>> futures = new ArrayList<>();
    for (int i = 0; i < writes; i++) {
      futures.add(running.get(i % 3).submit(KvCommand.Put.of("c" + i, "v" + i)));
    }
    java.util.TreeSet<Long> revisions = writtenRevisions(futures);
    // One revision per write, none skipped: nothing was applied twice or lost.
    assertThat(revisions).hasSize(writes);
    long first = revisions.iterator().next();
    assertThat(revisions.last()).isEqualTo(first + writes - 1);
  }

  @Test
  void writesThroughFollowersAreForwardedIntoTheLeadersRounds() throws Exception {
    startCluster();
    RatisRegistry leader = awaitLeader();
    leader.submit(KvCommand.Put.of("warm", "up")).get(20, TimeUnit.SECONDS);
    List<RatisRegistry> followers = running.stream().filter(r -> r != leader).toList();
    long before = leader.status().commitIndex();
    int writes = 300;
    List<CompletableFuture<KvResult>> futures = new ArrayList<>();
    for (int i = 0; i < writes; i++) {
      futures.add(followers.get(i % 2).submit(KvCommand.Put.of("f" + i, "v" + i)));
    }
    java.util.Set<Long> revisions = writtenRevisions(futures);
    assertThat(revisions).hasSize(writes);
    // The followers' writes were appended by the leader as elements of its own rounds.
    assertThat(leader.forwardedWritesAccepted()).isEqualTo(writes);
    assertThat(leader.status().commitIndex() - before).isLessThanOrEqualTo(writes / 2);
    for (int i = 0; i < writes; i += 37) {
      assertThat(leader.readLinearizable("f" + i).get(20, TimeUnit.SECONDS))
          .map(KvEntry::value).contains("v" + i);
    }
  }

  @Test
  void aForwardSentAgainIsAppliedOnce() throws Exception {
    startCluster();
    RatisRegistry leader = awaitLeader();
    AppliedRequests.RequestId id = new AppliedRequests.RequestId(new byte[] {4, 2}, 1);
    byte[] forward = BatchCodec.encodeForward(List.of(new BatchCodec.Element(
        KvCodec.encodeCommand(new KvCommand.Put("once", "a", 0)), id)));

    // Twice at once (the sender gave up waiting and sent it again): both wait on one append.
    CompletableFuture<byte[]> first = leader.acceptForward(forward);
    CompletableFuture<byte[]> again = leader.acceptForward(forward);
    BatchCodec.Outcome firstOutcome = BatchCodec.decodeOutcomes(first.get(20, TimeUnit.SECONDS)).get(0);
    assertThat(firstOutcome).isInstanceOf(BatchCodec.Outcome.Done.class);
    assertThat(BatchCodec.decodeOutcomes(again.get(20, TimeUnit.SECONDS)).get(0))
        .isInstanceOf(BatchCodec.Outcome.Done.class);

    // Once more after it was answered (the answer was lost): logged again, not applied again,
    // and answered with what the first copy did. "If absent" put: a second application would
    // have failed its precondition instead.
    BatchCodec.Outcome late = BatchCodec.decodeOutcomes(
        leader.acceptForward(forward).get(20, TimeUnit.SECONDS)).get(0);
    assertThat(late).isInstanceOf(BatchCodec.Outcome.Done.class);
    KvResult.Written written = (KvResult.Written) KvCodec.decodeResult(
        ((BatchCodec.Outcome.Done) firstOutcome).result());
    assertThat(KvCodec.decodeResult(((BatchCodec.Outcome.Done) late).result())).isEqualTo(written);
    assertThat(leader.readLinearizable("once").get(20, TimeUnit.SECONDS))
        .map(KvEntry::modRevision).contains(written.revision());

    // A node that does not lead refuses forwards, so that the sender tries the leader.
    RatisRegistry follower = running.stream().filter(r -> r != leader).findFirst().orElseThrow();
    assertThat(BatchCodec.isForwardRefused(follower.acceptForward(forward).get(20, TimeUnit.SECONDS)))
        .isTrue();
  }

  @Test
  void eachWriteIsOneLogEntry() throws Exception {
    startCluster();
    RatisRegistry leader = awaitLeader();
    leader.submit(KvCommand.Put.of("warm", "up")).get(20, TimeUnit.SECONDS);
    long before = leader.status().commitIndex();
    for (int i = 0; i < 20; i++) {
      leader.submit(KvCommand.Put.of("one" + i, "v")).get(20, TimeUnit.SECONDS);
    }
    // Every entry is appended, fsynced and replicated by every node: Ratis' commit-index
    // metadata entries would double that work per write.
    assertThat(leader.status().commitIndex() - before).isEqualTo(20);
  }

  @Test
  void concurrentRequestsShareConsensusRoundsAndEachGetsItsOwnAnswer() throws Exception {
    startCluster();
    RatisRegistry leader = awaitLeader();
    RatisRegistry follower = running.stream().filter(r -> r != leader).findFirst().orElseThrow();
    leader.submit(KvCommand.Put.of("warm", "up")).get(20, TimeUnit.SECONDS);
    long before = leader.status().commitIndex();
    int writes = 200;
    List<CompletableFuture<KvResult>> futures = new ArrayList<>();
    for (int i = 0; i < writes; i++) {
      futures.add(leader.submit(KvCommand.Put.of("b" + i, "v" + i)));
    }
    java.util.Set<Long> revisions = writtenRevisions(futures);
    assertThat(revisions).hasSize(writes);
    // Submitted together, they were batched: far fewer log entries than writes.
    assertThat(leader.status().commitIndex() - before).isLessThanOrEqualTo(writes / 2);
    // Concurrent linearizable reads, through a follower and on the leader, are batched too, each
    // with its own key (RequestBatcherTest covers the thread hand-off that keeps the next round
    // from being sent inside Ratis' own completion callbacks).
    for (RatisRegistry reader : List.of(follower, leader)) {
      List<CompletableFuture<Optional<KvEntry>>> reads = new ArrayList<>();
      for (int i = 0; i < writes; i++) {
        reads.add(reader.readLinearizable("b" + i));
      }
      for (int i = 0; i < writes; i++) {
        assertThat(reads.get(i).get(30, TimeUnit.SECONDS)).map(KvEntry::value).contains("v" + i);
      }
    }
  }

  @Test
  void writesInFlightAcrossALeaderChangeAreNeverLostWhenAcknowledged() throws Exception {
    startCluster();
    RatisRegistry leader = awaitLeader();
    List<RatisRegistry> followers = running.stream().filter(r -> r != leader).toList();
    List<CompletableFuture<KvResult>> futures = writeThroughFollowersKillingLeader(leader, followers, 100, 30);
    List<Integer> acknowledged = new ArrayList<>();
    for (int i = 0; i < futures.size(); i++) {
      try {
        assertThat(futures.get(i).get(30, TimeUnit.SECONDS)).isInstanceOf(KvResult.Written.class);
        acknowledged.add(i);
      } catch (java.util.concurrent.ExecutionException e) {
        // Only "unknown" or "no leader" are honest answers here; anything acknowledged must stay.
        assertThat(e.getCause()).isInstanceOfAny(OutcomeUnknownException.class, NoLeaderException.class);
      }
    }
    assertThat(acknowledged).isNotEmpty();
    awaitLeader();
    for (int i : acknowledged) {
      assertThat(followers.get(0).readLinearizable("f" + i).get(30, TimeUnit.SECONDS))
          .map(KvEntry::value).contains("v" + i);
    }
  }

  @Test
  void aFollowerThatBecomesLeaderServesWritesWhileItsForwardsToTheDeadLeaderArePending()
      throws Exception {
    // A request deadline far beyond the wait below: a write held behind the forwards until they
    // expire shows up as no answer at all, not as a late one.
    startCluster(Duration.ofSeconds(120));
    RatisRegistry leader = awaitLeader();
    List<RatisRegistry> followers = running.stream().filter(r -> r != leader).toList();
    List<CompletableFuture<KvResult>> inFlight = writeThroughFollowersKillingLeader(leader, followers, 40, 10);
    // Both followers have forwards pending at the dead leader; the router re-sends them to
    // whichever wins, so the winner gets its own forwards back as writes for its rounds.
    RatisRegistry successor = awaitLeader();
    // A write to the new leader is appended in its own round at once; it must not queue behind
    // the forwards, which would hold it until their elements' deadline.
    assertThat(successor.submit(KvCommand.Put.of("after", "v")).get(30, TimeUnit.SECONDS))
        .isInstanceOf(KvResult.Written.class);
    for (CompletableFuture<KvResult> f : inFlight) {
      try {
        f.get(30, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        assertThat(e.getCause()).isInstanceOfAny(OutcomeUnknownException.class, NoLeaderException.class);
      }
    }
  }

  @Test
  void followersReportTheirContactWithTheLeaderAndTheLeaderReportsNone() throws Exception {
    startCluster();
    RatisRegistry leader = awaitLeader();
    assertThat(leader.submit(KvCommand.Put.of("k", "v")).get(20, TimeUnit.SECONDS)).isInstanceOf(KvResult.Written.class);
    for (RatisRegistry follower : running.stream().filter(r -> r != leader).toList()) {
      LeaderContact contact = await().atMost(Duration.ofSeconds(20))
          .until(follower::leaderContact, Optional::isPresent).orElseThrow();
      assertThat(contact.leader()).isEqualTo(leader.self());
      assertThat(contact.term()).isEqualTo(leader.status().term());
      assertThat(contact.lastLogIndex()).isPositive();
    }
    assertThat(leader.leaderContact()).isEmpty();
  }

  @Test
  void aFollowerStartsAnElectionInPlaceOfAStoppedLeaderAndWins() throws Exception {
    startCluster();
    RatisRegistry leader = awaitLeader();
    assertThat(leader.submit(KvCommand.Put.of("k", "v")).get(20, TimeUnit.SECONDS)).isInstanceOf(KvResult.Written.class);
    List<RatisRegistry> followers = running.stream().filter(r -> r != leader).toList();
    // Both followers hold the same log, so either may be the candidate.
    await().atMost(Duration.ofSeconds(20)).until(() -> followers.stream()
        .map(f -> f.leaderContact().map(LeaderContact::lastLogIndex).orElse(-2L)).distinct().count() == 1
        && followers.get(0).leaderContact().isPresent());
    RatisRegistry candidate = followers.get(0);
    LeaderContact contact = candidate.leaderContact().orElseThrow();
    long oldTerm = contact.term();

    // Naming a node that is not the leader, or an old term, is refused and changes nothing.
    assertThat(candidate.startElectionInPlaceOf(new LeaderContact(followers.get(1).self(), oldTerm,
        contact.silenceMs(), contact.lastLogTerm(), contact.lastLogIndex()))).isFalse();
    assertThat(candidate.startElectionInPlaceOf(new LeaderContact(leader.self(), oldTerm - 1,
        contact.silenceMs(), contact.lastLogTerm(), contact.lastLogIndex()))).isFalse();
    assertThat(candidate.status().role()).isEqualTo(ConsensusStatus.Role.FOLLOWER);

    leader.close();
    running.remove(leader);
    assertThat(candidate.startElectionInPlaceOf(contact)).isTrue();
    // The other follower's own timer cannot fire for electionTimeoutMin (1 s); the forced election
    // needs one vote round on loopback.
    assertThat(awaitLeader()).isSameAs(candidate);
    assertThat(candidate.status().term()).isGreaterThan(oldTerm);
    assertThat(candidate.submit(KvCommand.Put.of("after", "v")).get(20, TimeUnit.SECONDS))
        .isInstanceOf(KvResult.Written.class);
  }

  @Test
  void restartedNodeRecoversFromSnapshotAndLog() throws Exception {
    startCluster();
    awaitLeader();
    RatisRegistry writer = running.get(0);
    for (int i = 0; i < 250; i++) {
      writer.submit(KvCommand.Put.of("key-" + (i % 50), "value-" + i)).get(20, TimeUnit.SECONDS);
    }
    long revision = writer.readLinearizable("key-49").get(20, TimeUnit.SECONDS).orElseThrow().modRevision();
    assertThat(revision).isEqualTo(250);
    for (RatisRegistry r : running) {
      r.close();
    }
    running.clear();
    try (Stream<Path> files = Files.walk(dir)) {
      assertThat(files.anyMatch(p -> p.getFileName().toString().startsWith("snapshot."))).isTrue();
    }
    for (ClusterMember m : cluster.members()) {
      running.add(start(m.id()));
    }
    awaitLeader();
    for (RatisRegistry r : running) {
      // One node being leader does not mean every node knows it yet; a read through a node that
      // does not is refused (NoLeaderException), so it is retried until the node has caught up.
      await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
        Optional<KvEntry> entry = r.readLinearizable("key-49").get(20, TimeUnit.SECONDS);
        assertThat(entry).map(KvEntry::value).contains("value-249");
        assertThat(entry).map(KvEntry::modRevision).contains(250L);
      });
    }
  }

  @Test
  void keyspaceDeclarationsGoThroughRaftAndSurviveARestartInTheSnapshot() throws Exception {
    startCluster();
    awaitLeader();
    RatisRegistry writer = running.get(1);
    KeyspaceResult declared = writer.submit(new KeyspaceCommand.Declare(
        "presence", KeyspaceMode.AP, Optional.of(MergePolicy.CRDT), 0)).get(20, TimeUnit.SECONDS);
    assertThat(declared).isInstanceOf(KeyspaceResult.Declared.class);
    assertThat(writer.submit(new KeyspaceCommand.Declare("presence", KeyspaceMode.CP, Optional.empty(), 0))
        .get(20, TimeUnit.SECONDS)).isInstanceOf(KeyspaceResult.Refused.class);
    writer.submit(KvCommand.Put.of(KeyspaceKeys.stored("orders", "k"), "in-orders")).get(20, TimeUnit.SECONDS);
    for (int i = 0; i < 120; i++) { // past the snapshot threshold of 100 entries
      writer.submit(KvCommand.Put.of("key-" + i, "v")).get(20, TimeUnit.SECONDS);
    }
    for (RatisRegistry r : running) {
      await().atMost(Duration.ofSeconds(20)).until(() -> r.keyspacesLocal().get("presence").isPresent());
      r.close();
    }
    running.clear();
    for (ClusterMember m : cluster.members()) {
      running.add(start(m.id()));
    }
    awaitLeader();
    for (RatisRegistry r : running) {
      await().atMost(Duration.ofSeconds(20)).until(() -> r.keyspacesLocal().get("presence").isPresent());
      assertThat(r.keyspacesLocal().get("presence").orElseThrow().merge()).contains(MergePolicy.CRDT);
      // A node may not know the new leader yet right after the restart: reads are retried.
      await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
        assertThat(r.readLinearizable(KeyspaceKeys.stored("orders", "k")).get(20, TimeUnit.SECONDS))
            .map(KvEntry::value).contains("in-orders");
        assertThat(r.readLinearizable("k").get(20, TimeUnit.SECONDS)).isEmpty();
      });
    }
  }

  /**
   * Submits {@code writes} puts ("f" + i = "v" + i) alternately through the two followers without
   * waiting, and stops the leader right after write {@code killAfter}.
   */
  private List<CompletableFuture<KvResult>> writeThroughFollowersKillingLeader(
      RatisRegistry leader, List<RatisRegistry> followers, int writes, int killAfter) {
    List<CompletableFuture<KvResult>> futures = new ArrayList<>();
    for (int i = 0; i < writes; i++) {
      futures.add(followers.get(i % 2).submit(KvCommand.Put.of("f" + i, "v" + i)));
      if (i == killAfter) {
        leader.close();
        running.remove(leader);
      }
    }
    return futures;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The revisions of writes that must all succeed, in order. */
  private static java.util.TreeSet<Long> writtenRevisions(List<CompletableFuture<KvResult>> futures)
      throws Exception {
    java.util.TreeSet<Long> revisions = new java.util.TreeSet<>();
    for (CompletableFuture<KvResult> f : futures) {
      KvResult result = f.get(30, TimeUnit.SECONDS);
      assertThat(result).isInstanceOf(KvResult.Written.class);
      revisions.add(((KvResult.Written) result).revision());
    }
    return revisions;
  }
}
