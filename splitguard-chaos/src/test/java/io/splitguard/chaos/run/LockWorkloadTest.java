package io.splitguard.chaos.run;

import static io.splitguard.chaos.run.ScriptedNode.json;
import static io.splitguard.chaos.run.ScriptedNode.problem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.splitguard.chaos.check.CheckReport;
import io.splitguard.chaos.check.FencingChecker;
import io.splitguard.chaos.check.HistoryCheck;
import io.splitguard.chaos.check.LockChecker;
import io.splitguard.chaos.check.Validity;
import io.splitguard.chaos.check.Verdict;
import io.splitguard.chaos.history.GuardedWrite;
import io.splitguard.chaos.history.GuardedWriter;
import io.splitguard.chaos.history.HistoryReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LockWorkloadTest {
  private static final Duration TIMEOUT = Duration.ofMillis(400);
  private final ObjectMapper json = new ObjectMapper();
  private final LockWorkload workload = new LockWorkload(LockWorkload.Options.DEFAULT);
  private final LockWorkload.Lease lease = new LockWorkload.Lease("lock1", "res1", 42);
  private Path dir;
  private ScriptedNode node;
  private Path historyFile;
  private Path guardedFile;
  private RunHistoryWriter history;
  private GuardedWriter guarded;
  private WorkloadContext context;
  private ClientSession session;

  @BeforeEach
  void setUp(@TempDir Path dir) throws IOException {
    this.dir = dir;
    node = new ScriptedNode();
    historyFile = dir.resolve("history.jsonl");
    guardedFile = dir.resolve("guarded.jsonl");
    history = new RunHistoryWriter(historyFile, System::nanoTime);
    guarded = GuardedWriter.open(guardedFile);
    context = new WorkloadContext(new UrlCluster(List.of(node.uri())), new NodeApi(NodeApi.newClient(TIMEOUT), TIMEOUT),
        history, System.nanoTime() + Duration.ofMinutes(1).toNanos(), System::nanoTime, dir, 1, 5, guarded);
    session = new ClientSession(0, new SplittableRandom(1), context);
  }

  @AfterEach
  void tearDown() throws IOException {
    history.close();
    guarded.close();
    node.close();
  }

  private List<JsonNode> events() throws IOException {
    history.close();
    List<JsonNode> events = new ArrayList<>();
    for (String line : Files.readAllLines(historyFile)) {
      events.add(json.readTree(line));
    }
    return events;
  }

  private List<String> summaries() throws IOException {
    return events().stream().map(e -> e.get("process") + " " + e.get("type").asText() + " " + e.get("f").asText()
        + " " + e.get("key").asText() + " " + e.get("value") + (e.has("token") ? " t" + e.get("token") : "")
        + (e.has("error") ? " " + e.get("error").asText() : "")).toList();
  }

  private List<GuardedWrite> accepted() throws IOException {
    guarded.close();
    return HistoryReader.readGuarded(guardedFile);
  }

  @Test
  void aGrantIsOkWithItsTokenAndARefusalOrTimeoutIsNot() throws Exception {
    node.then(json(200, "{\"name\":\"lock1\",\"owner\":\"client-0/p0\",\"token\":42,\"expiresAtMs\":1}"))
        .then(problem(409, "CONFLICT"))
        .then(node.hang());
    assertThat(workload.acquire(context, session, "lock1", "res1", 0)).isEqualTo(lease);
    assertThat(workload.acquire(context, session, "lock1", "res1", 0)).isNull();
    assertThat(workload.acquire(context, session, "lock1", "res1", 0)).isNull();
    assertThat(summaries()).containsExactly(
        "0 invoke acquire lock1 \"client-0/p0\"", "0 ok acquire lock1 \"client-0/p0\" t42",
        "0 invoke acquire lock1 \"client-0/p0\"", "0 fail acquire lock1 \"client-0/p0\" CONFLICT",
        "0 invoke acquire lock1 \"client-0/p0\"", "0 info acquire lock1 \"client-0/p0\" timeout");
    ScriptedNode.Request request = node.requests().get(0);
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.pathAndQuery()).isEqualTo("/v1/locks/lock1");
    assertThat(json.readTree(request.body())).isEqualTo(json.readTree("{\"owner\":\"client-0/p0\",\"ttlMs\":5000}"));
  }

  @Test
  void aLeaseTheNodesCallIllegalStopsTheRunInsteadOfTestingNothing() throws Exception {
    node.then(json(400, "{\"code\":\"BAD_REQUEST\",\"detail\":\"ttlMs: must be at least 8000 ms\"}"));
    assertThatThrownBy(() -> workload.acquire(context, session, "lock1", "res1", 0))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("8000");
    assertThat(summaries()).last().isEqualTo("0 fail acquire lock1 \"client-0/p0\" BAD_REQUEST");
  }

  @Test
  void anAcceptedGuardedWriteGoesToBothFilesWithTheSameTimes() throws Exception {
    node.then(json(200, "{\"resource\":\"res1\",\"value\":\"p0-1\",\"token\":42,\"revision\":50}"));
    assertThat(workload.guardedWrite(context, session, lease, 0)).isEqualTo(LockWorkload.WriteResult.ACCEPTED);
    List<JsonNode> events = events();
    assertThat(summaries()).containsExactly(
        "0 invoke guarded-write res1 \"p0-1\" t42", "0 ok guarded-write res1 \"p0-1\"");
    assertThat(accepted()).containsExactly(GuardedWrite.of("res1", 42, "p0-1", 0,
        events.get(0).get("time").asLong(), events.get(1).get("time").asLong()));
    ScriptedNode.Request request = node.requests().get(0);
    assertThat(request.method()).isEqualTo("PUT");
    assertThat(request.pathAndQuery()).isEqualTo("/v1/guarded/res1");
    assertThat(json.readTree(request.body())).isEqualTo(json.readTree("{\"token\":42,\"value\":\"p0-1\"}"));
  }

  @Test
  void aFencedWriteFailsAndAnUnknownOneIsInfoAndNeitherCountsAsAccepted() throws Exception {
    node.then(json(409, "{\"code\":\"FENCED\",\"highestToken\":50}")).then(problem(504, "TIMEOUT"));
    assertThat(workload.guardedWrite(context, session, lease, 0)).isEqualTo(LockWorkload.WriteResult.FENCED);
    assertThat(workload.guardedWrite(context, session, lease, 0)).isEqualTo(LockWorkload.WriteResult.OTHER);
    assertThat(summaries()).containsExactly(
        "0 invoke guarded-write res1 \"p0-1\" t42", "0 fail guarded-write res1 \"p0-1\" FENCED",
        "0 invoke guarded-write res1 \"p0-2\" t42", "0 info guarded-write res1 \"p0-2\" TIMEOUT");
    assertThat(accepted()).isEmpty();
  }

  @Test
  void releaseSendsTheTokenAndARefusalFails() throws Exception {
    node.then(json(200, "{}")).then(problem(409, "FENCED"));
    workload.release(context, session, lease, 0);
    workload.release(context, session, lease, 0);
    assertThat(summaries()).containsExactly(
        "0 invoke release lock1 null t42", "0 ok release lock1 null",
        "0 invoke release lock1 null t42", "0 fail release lock1 null FENCED");
    assertThat(node.requests().get(0).method()).isEqualTo("DELETE");
    assertThat(node.requests().get(0).pathAndQuery()).isEqualTo("/v1/locks/lock1");
    assertThat(json.readTree(node.requests().get(0).body()).get("token").asLong()).isEqualTo(42);
  }

  @Test
  void finalReadsRecordValueAndTokenAndRetryUntilEveryResourceIsRead() throws Exception {
    node.then(problem(503, "PARTITIONED"))
        .then(json(200, "{\"resource\":\"res1\",\"value\":\"p3-7\",\"token\":42,\"revision\":50}"))
        .then(problem(404, "NOT_FOUND"));
    workload.finish(context);
    assertThat(summaries()).containsExactly(
        "5 invoke guarded-read res1 null", "5 fail guarded-read res1 null PARTITIONED",
        "5 invoke guarded-read res1 null", "5 ok guarded-read res1 \"p3-7\" t42",
        "5 invoke guarded-read res2 null", "5 ok guarded-read res2 null");
    assertThat(node.requests().get(1).pathAndQuery()).isEqualTo("/v1/guarded/res1?consistency=linearizable");
  }

  /** Runs three clients against a fake cluster for a while, then the final reads; checks the result. */
  private CheckReport runAgainstFakeCluster(boolean brokenFencing, int zombiePercent) throws Exception {
    // Short leases so that expiry, overstays and zombie writes all happen within a short test.
    LockWorkload w = new LockWorkload(new LockWorkload.Options(2, Duration.ofMillis(150), 3, 70, 10, zombiePercent,
        Duration.ofMillis(2), Duration.ofSeconds(5)));
    Path run = Files.createDirectory(dir.resolve(brokenFencing ? "broken" : "correct"));
    Path h = run.resolve("history.jsonl");
    Path g = run.resolve("guarded.jsonl");
    try (FakeCluster cluster = new FakeCluster(run, 3);
         RunHistoryWriter writer = new RunHistoryWriter(h, System::nanoTime);
         GuardedWriter gw = GuardedWriter.open(g)) {
      cluster.startAll();
      if (brokenFencing) {
        cluster.ignoreFencing();
      }
      WorkloadContext c = new WorkloadContext(cluster, new NodeApi(NodeApi.newClient(TIMEOUT), TIMEOUT), writer,
          System.nanoTime() + Duration.ofMillis(1500).toNanos(), System::nanoTime, run, 7, 3, gw);
      List<Thread> clients = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        ClientSession s = new ClientSession(i, Seeds.random(7, "client-" + i), c);
        Thread t = new Thread(() -> {
          try {
            w.runClient(c, s);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
        clients.add(t);
        t.start();
      }
      for (Thread t : clients) {
        t.join();
      }
      w.finish(c);
    }
    List<String> lines = Files.readAllLines(h);
    assertThat(lines).anyMatch(l -> l.contains("\"ok\",\"f\":\"acquire\""))
        .anyMatch(l -> l.contains("\"ok\",\"f\":\"release\""))
        .anyMatch(l -> l.contains("\"ok\",\"f\":\"guarded-read\""));
    if (!brokenFencing) {
      assertThat(lines).as("late writes with old tokens were refused").anyMatch(l -> l.contains("FENCED"));
    }
    return HistoryCheck.check(h, g);
  }

  @Test
  void aRunAgainstACorrectLockServicePassesEveryCheck() throws Exception {
    CheckReport report = runAgainstFakeCluster(false, 15);
    assertThat(report.verdicts()).extracting(Verdict::checker).containsExactly(LockChecker.NAME, FencingChecker.NAME);
    assertThat(report.passed()).as(report.toText()).isTrue();
    assertThat(report.verdict(FencingChecker.NAME).orElseThrow().operations()).isGreaterThan(10);
  }

  @Test
  void aRunAgainstResourcesThatIgnoreTokensFailsTheFencingCheck() throws Exception {
    CheckReport report = runAgainstFakeCluster(true, 40);
    assertThat(report.verdict(FencingChecker.NAME).orElseThrow().validity()).as(report.toText())
        .isEqualTo(Validity.INVALID);
  }

  @Test
  void theWorkloadIsInTheCatalogueUnderBothNames() {
    assertThat(Workloads.NAMES).contains("locks");
    assertThat(Workloads.named("locks", 3, Duration.ZERO).keys())
        .containsExactly("lock1", "lock2", "lock3", "res1", "res2", "res3");
    assertThat(Workloads.named("guarded", 2, Duration.ZERO).name()).isEqualTo("locks");
    assertThat(Workloads.named("locks", 2, Duration.ZERO).recordsGuardedWrites()).isTrue();
    assertThat(Workloads.named("register", 2, Duration.ZERO).recordsGuardedWrites()).isFalse();
    assertThat(Workloads.defaultKeys("locks")).isEqualTo(2);
    assertThat(Workloads.defaultKeys("register")).isEqualTo(5);
  }
}
