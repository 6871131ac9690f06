package io.splitguard.cli;

import static io.splitguard.cli.FakeNode.entry;
import static io.splitguard.cli.FakeNode.json;
import static io.splitguard.cli.FakeNode.partitioned;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code splitguard bench} against scripted nodes. Phases run for a number of operations so
 * that the counts are exact and no test depends on how fast the machine is.
 */
class BenchCommandTest {

  private final List<FakeNode> nodes = new ArrayList<>();

  @AfterEach
  void stopNodes() {
    nodes.forEach(FakeNode::close);
  }

  /** A node that stores nothing but answers every kv request like a healthy node. */
  private FakeNode healthyNode() throws IOException {
    AtomicLong revision = new AtomicLong();
    FakeNode n = new FakeNode().otherwise(r -> {
      String key = r.path().substring("/v1/kv/".length());
      return entry(key, "v", r.method().equals("PUT") ? revision.incrementAndGet() : 7);
    });
    nodes.add(n);
    return n;
  }

  private FakeNode node() throws IOException {
    FakeNode n = new FakeNode();
    nodes.add(n);
    return n;
  }

  private static JsonNode results(Cli.Result r) throws IOException {
    JsonNode doc = new ObjectMapper().readTree(r.out());
    assertThat(doc.isArray()).as(r.toString()).isTrue();
    return doc;
  }

  @Test
  void put_twoClients_fixedOps_countsExactly() throws IOException {
    FakeNode a = healthyNode();
    FakeNode b = healthyNode();

    Cli.Result r = Cli.run("bench", "--endpoints", a.url() + "," + b.url(), "--clients", "2",
        "--ops", "10", "--warmup", "0s", "--value-size", "32", "--json");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode result = results(r).get(0);
    assertThat(result.get("workload").asText()).isEqualTo("put");
    assertThat(result.get("clients").asInt()).isEqualTo(2);
    assertThat(result.get("ops").asLong()).isEqualTo(10);
    assertThat(result.get("errors").asLong()).isZero();
    assertThat(result.get("throughput").asDouble()).isPositive();
    JsonNode latency = result.get("latencyMs");
    assertThat(latency.get("p50").asDouble()).isPositive();
    assertThat(latency.get("p50").asDouble()).isLessThanOrEqualTo(latency.get("p99").asDouble());
    assertThat(latency.get("p99.9").asDouble()).isLessThanOrEqualTo(latency.get("max").asDouble());

    List<FakeNode.Request> all = new ArrayList<>(a.requests());
    all.addAll(b.requests());
    assertThat(all).hasSize(10).allSatisfy(q -> {
      assertThat(q.method()).isEqualTo("PUT");
      assertThat(q.path()).matches("/v1/kv/bench-\\d+");
      assertThat(q.body()).matches("\\{\"value\":\"[a-z]{32}\"}");
      assertThat(q.header("If-Match")).isNull();
    });
  }

  @Test
  void etcdTarget_casThroughTheJsonGateway() throws IOException {
    // A fake etcd gateway: every key exists at mod_revision 3, and every txn succeeds.
    FakeNode gateway = node().otherwise(q -> switch (q.path()) {
      case "/v3/kv/range" -> json(200, "{\"header\":{\"revision\":\"9\"},\"kvs\":[{\"key\":\"aw==\","
          + "\"mod_revision\":\"3\",\"value\":\"dg==\"}],\"count\":\"1\"}");
      case "/v3/kv/txn" -> json(200, "{\"header\":{\"revision\":\"10\"},\"succeeded\":true}");
      case "/v3/kv/put" -> json(200, "{\"header\":{\"revision\":\"10\"}}");
      default -> json(404, "{}");
    });

    Cli.Result r = Cli.run("bench", "--target", "etcd", "--endpoints", gateway.url(),
        "--workload", "cas", "--key-space", "4", "--clients", "1", "--ops", "5", "--warmup", "0s",
        "--json");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode result = results(r).get(0);
    assertThat(result.get("target").asText()).isEqualTo("etcd");
    assertThat(result.get("ops").asLong()).isEqualTo(5);
    List<FakeNode.Request> txns = gateway.requests().stream()
        .filter(q -> q.path().equals("/v3/kv/txn")).toList();
    assertThat(txns).hasSize(5).allSatisfy(q -> {
      assertThat(q.method()).isEqualTo("POST");
      assertThat(q.body()).contains("\"mod_revision\":\"3\"");
    });
    // 4 preloaded keys, then a range and a txn per operation.
    assertThat(gateway.requests()).hasSize(4 + 2 * 5);
  }

  @Test
  void unknownTarget_isAUsageError() {
    Cli.Result r = Cli.run("bench", "--target", "zookeeper", "--ops", "1");

    assertThat(r.exitCode()).isEqualTo(SplitGuardCli.EXIT_USAGE);
    assertThat(r.err()).contains("--target: must be splitguard or etcd, got 'zookeeper'");
  }

  @Test
  void failover_badConfig_isAUsageErrorNamingTheSetting(@TempDir Path dir)
      throws IOException {
    Path config = dir.resolve("node.yaml");
    Files.writeString(config, "electionTimeoutMin: soon\n");

    Cli.Result r = Cli.run("bench", "failover", "--config", config.toString(), "--dir", dir.resolve("run").toString());

    assertThat(r.exitCode()).isEqualTo(SplitGuardCli.EXIT_USAGE);
    assertThat(r.err()).contains("--config").contains("electionTimeoutMin");
    assertThat(dir.resolve("run")).doesNotExist();
  }

  @Test
  void failover_configWithEtcd_isAUsageError(@TempDir Path dir)
      throws IOException {
    Path config = dir.resolve("node.yaml");
    Files.writeString(config, "electionTimeoutMax: 1500ms\n");

    Cli.Result r = Cli.run("bench", "failover", "--target", "etcd", "--config", config.toString());

    assertThat(r.exitCode()).isEqualTo(SplitGuardCli.EXIT_USAGE);
    assertThat(r.err()).contains("--config: applies to SplitGuard nodes only");
  }

  @Test
  void onePhasePerClientLevel() throws IOException {
    FakeNode a = healthyNode();

    Cli.Result r = Cli.run("bench", "--endpoints", a.url(), "--clients", "1,3",
        "--ops", "6", "--warmup", "0s", "--json");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode results = results(r);
    assertThat(results).hasSize(2);
    assertThat(results.get(0).get("clients").asInt()).isEqualTo(1);
    assertThat(results.get(1).get("clients").asInt()).isEqualTo(3);
    assertThat(results.get(0).get("ops").asLong()).isEqualTo(6);
    assertThat(results.get(1).get("ops").asLong()).isEqualTo(6);
    assertThat(a.requests()).hasSize(12);
  }

  /** A healthy node that answers its status as a member with {@code role}. */
  private FakeNode nodeWithRole(String id, String role) throws IOException {
    FakeNode n = healthyNode();
    FakeNode.Responder kv = n.otherwiseResponder();
    return n.otherwise(q -> q.path().equals("/v1/status")
        ? FakeNode.status(id, role, "n2", true, "CONNECTED") : kv.respond(q));
  }

  @Test
  void routeLeader_sendsEveryClientToTheEndpointThatLeads() throws IOException {
    FakeNode a = nodeWithRole("n1", "FOLLOWER");
    FakeNode b = nodeWithRole("n2", "LEADER");
    FakeNode c = nodeWithRole("n3", "FOLLOWER");

    Cli.Result r = Cli.run("bench", "--endpoints", a.url() + "," + b.url() + "," + c.url(),
        "--clients", "3", "--ops", "30", "--warmup", "0s", "--route", "leader", "--json");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(results(r).get(0).get("route").asText()).isEqualTo("leader");
    assertThat(b.requests(q -> q.method().equals("PUT"))).hasSize(30);
    assertThat(a.requests(q -> q.method().equals("PUT"))).isEmpty();
    assertThat(c.requests(q -> q.method().equals("PUT"))).isEmpty();
  }

  @Test
  void routeLeader_withNoLeader_exits1NamingTheOption() throws IOException {
    FakeNode a = nodeWithRole("n1", "FOLLOWER");

    Cli.Result r = Cli.run("bench", "--endpoints", a.url(), "--ops", "1", "--route", "leader");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_FAILED);
    assertThat(r.err()).contains("--route leader").contains("says it leads");
    assertThat(a.requests(q -> q.method().equals("PUT"))).isEmpty();
  }

  @Test
  void routeUnknown_isAUsageError() {
    Cli.Result r = Cli.run("bench", "--route", "nearest", "--ops", "1");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--route").contains("nearest");
  }

  @Test
  void clientsAreSpreadOverEndpointsRoundRobin() throws IOException {
    // Each node holds its first answer until all three nodes have a request. That can only
    // happen if the three clients, each blocked in its first operation, went to three different
    // nodes; and since a blocked client claims no further operation, each client gets exactly one.
    CountDownLatch everyNodeAsked = new CountDownLatch(3);
    List<FakeNode> three = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      AtomicBoolean asked = new AtomicBoolean();
      three.add(node().otherwise(q -> {
        if (asked.compareAndSet(false, true)) {
          everyNodeAsked.countDown(); // once per node, not per request
        }
        try {
          // Bounded, so that a wrong assignment fails the test instead of hanging it.
          everyNodeAsked.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return entry("k", "v", 1);
      }));
    }

    Cli.Result r = Cli.run("bench", "--endpoints",
        three.get(0).url() + "," + three.get(1).url() + "," + three.get(2).url(),
        "--clients", "3", "--ops", "3", "--warmup", "0s", "--json");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(everyNodeAsked.getCount()).isZero();
    assertThat(three).allSatisfy(n -> assertThat(n.requests()).hasSize(1));
  }

  @Test
  void errorsAreCountedByCode_andAPhaseWithoutSuccessExits1() throws IOException {
    FakeNode minority = node().always(partitioned());

    Cli.Result r = Cli.run("bench", "--endpoints", minority.url(), "--clients", "2",
        "--ops", "6", "--warmup", "0s", "--json");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_FAILED);
    JsonNode result = results(r).get(0);
    assertThat(result.get("ops").asLong()).isZero();
    assertThat(result.get("errors").asLong()).isEqualTo(6);
    assertThat(result.get("errorsByCode").get("PARTITIONED").asLong()).isEqualTo(6);
    assertThat(r.err()).contains("no operation succeeded");
    assertThat(minority.requests()).hasSize(6);
  }

  @Test
  void mixedSuccessAndErrors_addUpToTheOps() throws IOException {
    FakeNode healthy = healthyNode();
    FakeNode minority = node().always(partitioned());

    Cli.Result r = Cli.run("bench", "--endpoints", healthy.url() + "," + minority.url(),
        "--clients", "2", "--ops", "20", "--warmup", "0s", "--json");

    JsonNode result = results(r).get(0);
    long ops = result.get("ops").asLong();
    long errors = result.get("errors").asLong();
    assertThat(ops + errors).isEqualTo(20);
    assertThat(ops).isEqualTo(healthy.requests().size());
    assertThat(errors).isEqualTo(minority.requests().size());
    if (errors > 0) {
      assertThat(result.get("errorsByCode").get("PARTITIONED").asLong()).isEqualTo(errors);
    }
  }

  @Test
  void nonProblemErrors_areCountedByStatus() throws IOException {
    FakeNode proxy = node().always(new FakeNode.Reply(502, "text/html", "<html>bad gateway</html>", Map.of()));

    Cli.Result r = Cli.run("bench", "--endpoints", proxy.url(), "--clients", "1",
        "--ops", "3", "--warmup", "0s", "--json");

    assertThat(results(r).get(0).get("errorsByCode").get("HTTP_502").asLong()).isEqualTo(3);
  }

  @Test
  void getWorkload_writesTheKeySpaceFirst_thenReadsLinearizably() throws IOException {
    FakeNode a = healthyNode();

    Cli.Result r = Cli.run("bench", "--endpoints", a.url(), "--workload", "get",
        "--key-space", "4", "--clients", "2", "--ops", "8", "--warmup", "0s", "--json");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(results(r).get(0).get("ops").asLong()).isEqualTo(8);
    List<FakeNode.Request> puts = a.requests(q -> q.method().equals("PUT"));
    Set<String> written = new HashSet<>();
    puts.forEach(q -> written.add(q.path()));
    assertThat(written).containsExactlyInAnyOrder(
        "/v1/kv/bench-0", "/v1/kv/bench-1", "/v1/kv/bench-2", "/v1/kv/bench-3");
    assertThat(a.requests(q -> q.method().equals("GET")))
        .hasSize(8)
        .allSatisfy(q -> assertThat(q.query()).isEqualTo("consistency=linearizable"));
  }

  @Test
  void staleGetWorkload_readsStale() throws IOException {
    FakeNode a = healthyNode();

    Cli.Result r = Cli.run("bench", "--endpoints", a.url(), "--workload", "stale-get",
        "--key-space", "2", "--clients", "1", "--ops", "3", "--warmup", "0s", "--json");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(a.requests(q -> q.method().equals("GET")))
        .hasSize(3)
        .allSatisfy(q -> assertThat(q.query()).isEqualTo("consistency=stale"));
  }

  @Test
  void casWorkload_readsThenWritesWithTheRevisionRead() throws IOException {
    FakeNode a = healthyNode(); // answers every GET with revision 7

    Cli.Result r = Cli.run("bench", "--endpoints", a.url(), "--workload", "cas",
        "--key-space", "2", "--clients", "2", "--ops", "6", "--warmup", "0s", "--json");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(results(r).get(0).get("ops").asLong()).isEqualTo(6);
    assertThat(a.requests(q -> q.method().equals("GET"))).hasSize(6);
    assertThat(a.requests(q -> q.method().equals("PUT") && q.header("If-Match") != null))
        .hasSize(6)
        .allSatisfy(q -> assertThat(q.header("If-Match")).isEqualTo("7"));
  }

  @Test
  void casConflicts_areErrors() throws IOException {
    FakeNode a = node().otherwise(q -> q.method().equals("GET") || q.header("If-Match") == null
        ? entry("k", "v", 7)
        : FakeNode.problem(409, "CONFLICT", "If-Match: expected revision 7 but key has revision 8"));

    Cli.Result r = Cli.run("bench", "--endpoints", a.url(), "--workload", "cas",
        "--key-space", "1", "--clients", "1", "--ops", "4", "--warmup", "0s", "--json");

    JsonNode result = results(r).get(0);
    assertThat(result.get("errorsByCode").get("CONFLICT").asLong()).isEqualTo(4);
  }

  @Test
  void mixedWorkload_readsAndWrites() throws IOException {
    FakeNode a = healthyNode();

    Cli.Result r = Cli.run("bench", "--endpoints", a.url(), "--workload", "mixed",
        "--key-space", "3", "--clients", "2", "--ops", "50", "--warmup", "0s", "--json");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    long reads = a.requests(q -> q.method().equals("GET")).size();
    long writes = a.requests(q -> q.method().equals("PUT")).size() - 3; // minus the preload
    assertThat(reads + writes).isEqualTo(50);
  }

  @Test
  void preloadFailure_exits1_beforeAnyPhase() throws IOException {
    FakeNode minority = node().always(partitioned());

    Cli.Result r = Cli.run("bench", "--endpoints", minority.url(), "--workload", "get",
        "--key-space", "3", "--clients", "1", "--ops", "5", "--warmup", "0s");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_FAILED);
    assertThat(r.err()).contains("could not write 3 of 3 keys").contains("PARTITIONED 3");
    assertThat(minority.requests()).hasSize(3);
  }

  @Test
  void humanOutput_isATableWithOneRowPerPhase() throws IOException {
    FakeNode a = healthyNode();

    Cli.Result r = Cli.run("bench", "--endpoints", a.url(), "--clients", "1,2",
        "--ops", "4", "--warmup", "0s");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    String[] lines = r.out().split("\\R");
    assertThat(lines).hasSize(3);
    assertThat(lines[0]).containsPattern(
        "WORKLOAD +CLIENTS +OPS +ERRORS +DURATION +OPS/S +P50 MS +P90 MS +P99 MS +P99\\.9 MS +MAX MS");
    assertThat(lines[1]).containsPattern("^put +1 +4 +0 +\\d+\\.\\d\\ds ");
    assertThat(lines[2]).containsPattern("^put +2 +4 +0 ");
    assertThat(r.err()).contains("bench: put with 1 client for 4 ops");
  }

  @Test
  void durationMode_runsForTheGivenTime() throws IOException {
    FakeNode a = healthyNode();

    Cli.Result r = Cli.run("bench", "--endpoints", a.url(), "--clients", "2",
        "--duration", "200ms", "--warmup", "0s", "--json");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode result = results(r).get(0);
    assertThat(result.get("ops").asLong()).isPositive().isEqualTo(a.requests().size());
    assertThat(result.get("durationSeconds").asDouble()).isGreaterThanOrEqualTo(0.2);
  }

  @Test
  void warmupOperations_areNotCounted() throws IOException {
    FakeNode a = healthyNode();

    Cli.Result r = Cli.run("bench", "--endpoints", a.url(), "--clients", "1",
        "--ops", "5", "--warmup", "100ms", "--json");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(results(r).get(0).get("ops").asLong()).isEqualTo(5);
    assertThat(a.requests().size()).isGreaterThanOrEqualTo(5);
  }

  @Test
  void badOptions_exit2_namingTheOption() {
    String ep = "--endpoints=http://127.0.0.1:1";
    assertUsage(Cli.run("bench", ep, "--workload", "scan"),
        "--workload: must be one of put, get, stale-get, cas, mixed, got 'scan'");
    assertUsage(Cli.run("bench", ep, "--clients", "1,x"),
        "--clients: must be a comma-separated list of numbers from 1 to 4096, got '1,x'");
    assertUsage(Cli.run("bench", ep, "--clients", "0"), "--clients:");
    assertUsage(Cli.run("bench", ep, "--ops", "0"), "--ops: must be a number >= 1, got '0'");
    assertUsage(Cli.run("bench", ep, "--ops", "5", "--duration", "1s"),
        "--duration and --ops exclude each other");
    assertUsage(Cli.run("bench", ep, "--duration", "forever"),
        "--duration: must be a duration like 250ms, 2s or 1m, got 'forever'");
    assertUsage(Cli.run("bench", ep, "--key-space", "-3"), "--key-space: must be a number >= 1");
    assertUsage(Cli.run("bench", ep, "--value-size", "big"), "--value-size: must be a number from 0");
    assertUsage(Cli.run("bench", ep, "--warmup", "2h"), "--warmup: must be a duration");
  }

  private static void assertUsage(Cli.Result r, String message) {
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_USAGE);
    assertThat(r.err()).as(r.toString()).contains(message);
    assertThat(r.out()).isEmpty();
  }

  @Test
  void json_keepsStdoutParseable() throws IOException {
    FakeNode a = node().always(json(200, "{\"key\":\"k\",\"value\":\"v\",\"revision\":1}"));

    Cli.Result r = Cli.run("bench", "--endpoints", a.url(), "--clients", "1", "--ops", "2",
        "--warmup", "0s", "--json");

    assertThat(results(r)).hasSize(1);
    assertThat(r.err()).contains("bench: put with 1 client");
  }
}
