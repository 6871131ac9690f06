package io.splitguard.chaos.run;

import static io.splitguard.chaos.run.ScriptedNode.json;
import static io.splitguard.chaos.run.ScriptedNode.problem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
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

class RegisterWorkloadTest {
  private static final Duration TIMEOUT = Duration.ofMillis(400);
  private final ObjectMapper json = new ObjectMapper();
  private final RegisterWorkload workload = new RegisterWorkload(RegisterWorkload.Options.DEFAULT);
  private ScriptedNode node;
  private Path historyFile;
  private RunHistoryWriter history;
  private WorkloadContext context;
  private ClientSession session;

  @BeforeEach
  void setUp(@TempDir Path dir) throws IOException {
    node = new ScriptedNode();
    historyFile = dir.resolve("history.jsonl");
    history = new RunHistoryWriter(historyFile, System::nanoTime);
    context = context(List.of(node.uri()), dir);
    session = new ClientSession(0, new SplittableRandom(1), context);
  }

  private WorkloadContext context(List<URI> urls, Path dir) {
    return new WorkloadContext(new UrlCluster(urls), new NodeApi(NodeApi.newClient(TIMEOUT), TIMEOUT), history,
        System.nanoTime() + Duration.ofMinutes(1).toNanos(), System::nanoTime, dir, 1, 5);
  }

  @AfterEach
  void tearDown() throws IOException {
    history.close();
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

  private static String summary(JsonNode e) {
    return e.get("process") + " " + e.get("type").asText() + " " + e.get("f").asText() + " " + e.get("key").asText()
        + " " + e.get("value") + (e.has("error") ? " " + e.get("error").asText() : "");
  }

  private List<String> summaries() throws IOException {
    return events().stream().map(RegisterWorkloadTest::summary).toList();
  }

  @Test
  void anAcknowledgedWriteIsOk() throws Exception {
    node.then(json(200, "{\"key\":\"k1\",\"value\":\"p0-1\",\"revision\":3}"));
    workload.write(context, session, "k1", 0);
    assertThat(summaries()).containsExactly("0 invoke write k1 \"p0-1\"", "0 ok write k1 \"p0-1\"");
    assertThat(node.requests().get(0).method()).isEqualTo("PUT");
    assertThat(node.requests().get(0).pathAndQuery()).isEqualTo("/v1/kv/k1");
    assertThat(json.readTree(node.requests().get(0).body()).get("value").asText()).isEqualTo("p0-1");
    assertThat(node.requests().get(0).ifMatch()).isNull();
    assertThat(events().get(1).get("node").asText()).isEqualTo("n1");
  }

  @Test
  void aRefusedWriteFailsAndTheProcessCarriesOn() throws Exception {
    node.then(problem(503, "PARTITIONED")).then(problem(503, "NOT_LEADER"));
    workload.write(context, session, "k1", 0);
    workload.write(context, session, "k1", 0);
    assertThat(summaries()).containsExactly(
        "0 invoke write k1 \"p0-1\"", "0 fail write k1 \"p0-1\" PARTITIONED",
        "0 invoke write k1 \"p0-2\"", "0 fail write k1 \"p0-2\" NOT_LEADER");
  }

  @Test
  void aTimedOutWriteIsInfoAndTheThreadContinuesAsAFreshProcess() throws Exception {
    node.then(problem(504, "TIMEOUT")).then(node.hang()).then(json(200, "{}"));
    workload.write(context, session, "k1", 0);
    workload.write(context, session, "k2", 0);
    workload.write(context, session, "k3", 0);
    assertThat(summaries()).containsExactly(
        "0 invoke write k1 \"p0-1\"", "0 info write k1 \"p0-1\" TIMEOUT",
        "5 invoke write k2 \"p5-2\"", "5 info write k2 \"p5-2\" timeout",
        "6 invoke write k3 \"p6-3\"", "6 ok write k3 \"p6-3\"");
  }

  @Test
  void aWriteToADeadNodeIsInfo() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    WorkloadContext dead = context(List.of(URI.create("http://127.0.0.1:" + port)), historyFile.getParent());
    workload.write(dead, new ClientSession(1, new SplittableRandom(1), dead), "k1", 0);
    List<JsonNode> events = events();
    assertThat(events.get(1).get("type").asText()).isEqualTo("info");
    assertThat(events.get(1).get("error").asText()).contains("Connect");
  }

  @Test
  void readsAreOkWithTheValueOrNullAndFailWhenTheyDoNotReturn() throws Exception {
    node.then(json(200, "{\"key\":\"k1\",\"value\":\"p2-9\",\"revision\":7}"))
        .then(problem(404, "NOT_FOUND"))
        .then(node.hang())
        .then(problem(503, "PARTITIONED"))
        .then(json(200, "{\"oops\":true}"));
    for (int i = 0; i < 5; i++) {
      workload.read(context, session, "k1", 0);
    }
    assertThat(summaries()).containsExactly(
        "0 invoke read k1 null", "0 ok read k1 \"p2-9\"",
        "0 invoke read k1 null", "0 ok read k1 null",
        "0 invoke read k1 null", "0 fail read k1 null timeout",
        "0 invoke read k1 null", "0 fail read k1 null PARTITIONED",
        "0 invoke read k1 null", "0 fail read k1 null malformed 200 body");
    assertThat(node.requests().get(0).pathAndQuery()).isEqualTo("/v1/kv/k1?consistency=linearizable");
  }

  @Test
  void casIsAReadThenAConditionalPutRecordedAsExpectedAndNewValue() throws Exception {
    node.then(json(200, "{\"key\":\"k1\",\"value\":\"p2-9\",\"revision\":7}"))
        .then(json(200, "{\"key\":\"k1\",\"value\":\"p0-1\",\"revision\":8}"));
    workload.cas(context, session, "k1", 0);
    assertThat(summaries()).containsExactly(
        "0 invoke read k1 null", "0 ok read k1 \"p2-9\"",
        "0 invoke cas k1 [\"p2-9\",\"p0-1\"]", "0 ok cas k1 [\"p2-9\",\"p0-1\"]");
    assertThat(node.requests().get(1).method()).isEqualTo("PUT");
    assertThat(node.requests().get(1).ifMatch()).isEqualTo("7");
  }

  @Test
  void casOnAMissingKeyExpectsNullAndRevisionZero() throws Exception {
    node.then(problem(404, "NOT_FOUND")).then(problem(409, "CONFLICT"));
    workload.cas(context, session, "k4", 0);
    assertThat(summaries()).containsExactly(
        "0 invoke read k4 null", "0 ok read k4 null",
        "0 invoke cas k4 [null,\"p0-1\"]", "0 fail cas k4 [null,\"p0-1\"] CONFLICT");
    assertThat(node.requests().get(1).ifMatch()).isEqualTo("0");
  }

  @Test
  void casWithUnknownOutcomeIsInfoAndCasAfterAFailedReadIsNotSent() throws Exception {
    node.then(json(200, "{\"key\":\"k1\",\"value\":\"a\",\"revision\":2}")).then(problem(504, "TIMEOUT"))
        .then(problem(503, "PARTITIONED"));
    workload.cas(context, session, "k1", 0);
    workload.cas(context, session, "k1", 0);
    assertThat(summaries()).containsExactly(
        "0 invoke read k1 null", "0 ok read k1 \"a\"",
        "0 invoke cas k1 [\"a\",\"p0-1\"]", "0 info cas k1 [\"a\",\"p0-1\"] TIMEOUT",
        "5 invoke read k1 null", "5 fail read k1 null PARTITIONED");
    assertThat(node.requests()).hasSize(3);
  }

  @Test
  void finalReadsRetryUntilEveryKeyIsReadAndRecordEveryAttempt(@TempDir Path dir) throws Exception {
    RegisterWorkload two = new RegisterWorkload(new RegisterWorkload.Options(2, 40, 40, Duration.ZERO, Duration.ofSeconds(20)));
    node.then(problem(503, "PARTITIONED")).then(node.hang())
        .then(json(200, "{\"key\":\"k1\",\"value\":\"x\",\"revision\":1}"))
        .then(problem(404, "NOT_FOUND"));
    two.finish(context);
    assertThat(summaries()).containsExactly(
        "5 invoke read k1 null", "5 fail read k1 null PARTITIONED",
        "5 invoke read k1 null", "5 fail read k1 null timeout",
        "5 invoke read k1 null", "5 ok read k1 \"x\"",
        "5 invoke read k2 null", "5 ok read k2 null");
  }

  @Test
  void theSequenceOfIntendedOperationsDependsOnlyOnTheSeed(@TempDir Path dir) throws Exception {
    List<List<String>> runs = new ArrayList<>();
    for (int run = 0; run < 2; run++) {
      try (FakeCluster cluster = new FakeCluster(dir, 3)) {
        cluster.startAll();
        Path file = dir.resolve("h" + run + ".jsonl");
        List<String> ops = new ArrayList<>();
        try (RunHistoryWriter h = new RunHistoryWriter(file, System::nanoTime)) {
          WorkloadContext c = new WorkloadContext(cluster, new NodeApi(NodeApi.newClient(TIMEOUT), TIMEOUT), h,
              System.nanoTime() + Duration.ofMillis(1500).toNanos(), System::nanoTime, dir, 99, 1);
          new RegisterWorkload(new RegisterWorkload.Options(5, 40, 40, Duration.ZERO, Duration.ofSeconds(5)))
              .runClient(c, new ClientSession(0, Seeds.random(99, "client-0"), c));
        }
        for (String line : Files.readAllLines(file)) {
          JsonNode e = json.readTree(line);
          if (e.get("type").asText().equals("invoke")) {
            ops.add(e.get("f").asText() + " " + e.get("key").asText() + " " + e.get("node").asText());
          }
        }
        runs.add(ops);
      }
    }
    int common = Math.min(runs.get(0).size(), runs.get(1).size());
    assertThat(common).isGreaterThan(20);
    assertThat(runs.get(0).subList(0, common)).isEqualTo(runs.get(1).subList(0, common));
    assertThat(runs.get(0)).anyMatch(s -> s.startsWith("cas")).anyMatch(s -> s.startsWith("write"));
  }
}
