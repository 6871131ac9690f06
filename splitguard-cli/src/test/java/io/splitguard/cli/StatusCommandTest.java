package io.splitguard.cli;

import static io.splitguard.cli.FakeNode.problem;
import static io.splitguard.cli.FakeNode.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code splitguard status} against scripted nodes. */
class StatusCommandTest {

  private final List<FakeNode> nodes = new ArrayList<>();

  @AfterEach
  void stopNodes() {
    nodes.forEach(FakeNode::close);
  }

  private FakeNode node() throws IOException {
    FakeNode n = new FakeNode();
    nodes.add(n);
    return n;
  }

  @Test
  void status_printsTheNodesViewAndTheMemberTable() throws IOException {
    FakeNode n = node().always(status("n1", "LEADER", "n1", true, "DEGRADED"));

    Cli.Result r = Cli.run("status", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("node       n1 (LEADER)")
        .contains("leader     n1")
        .contains("term       4")
        .contains("partition  DEGRADED")
        .contains("quorum     yes")
        .contains("applied    12 (commit index 13)")
        .containsPattern("MEMBER +ADDRESS +REACHABLE +PHI +LAST HEARTBEAT")
        .containsPattern("n1 \\(self\\) +127\\.0\\.0\\.1:8101 +yes +0\\.00 +-")
        .containsPattern("n2 +127\\.0\\.0\\.1:8102 +yes +0\\.42 +87 ms ago")
        .containsPattern("n3 +127\\.0\\.0\\.1:8103 +NO +12\\.50 +5\\.2 s ago");
    assertThat(r.err()).isEmpty();
    assertThat(n.requests()).singleElement().satisfies(q -> assertThat(q.path()).isEqualTo("/v1/status"));
  }

  @Test
  void status_withoutQuorumOrLeader_saysSo() throws IOException {
    FakeNode n = node().always(status("n3", "CANDIDATE", null, false, "PARTITIONED"));

    Cli.Result r = Cli.run("status", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("leader     none known")
        .contains("partition  PARTITIONED")
        .contains("quorum     no");
  }

  @Test
  void status_json_isTheServersDocument() throws IOException {
    FakeNode n = node().always(status("n2", "FOLLOWER", "n1", true, "HEALTHY"));

    Cli.Result r = Cli.run("status", "--json", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode doc = new ObjectMapper().readTree(r.out());
    assertThat(doc.get("nodeId").asText()).isEqualTo("n2");
    assertThat(doc.get("quorum").isBoolean()).isTrue();
    assertThat(doc.get("quorum").asBoolean()).isTrue();
    assertThat(doc.get("commitIndex").asLong()).isEqualTo(13);
    assertThat(doc.get("members")).hasSize(3);
    assertThat(doc.get("members").get(1).get("self").asBoolean()).isTrue();
    assertThat(doc.get("members").get(2).get("lastHeartbeatAgeMs").asLong()).isEqualTo(5200);
  }

  @Test
  void status_skipsADeadEndpoint() throws IOException {
    FakeNode n = node().always(status("n2", "FOLLOWER", "n1", true, "HEALTHY"));

    Cli.Result r = Cli.run("status", "--endpoints", FakeNode.refusedUrl() + "," + n.url());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("node       n2 (FOLLOWER)");
  }

  @Test
  void status_noNodeAnswers_exits1() throws IOException {
    Cli.Result r = Cli.run("status", "--timeout", "300ms", "--endpoints", FakeNode.refusedUrl());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_FAILED);
    assertThat(r.err()).contains("UNAVAILABLE").contains("could not connect");
  }

  @Test
  void statusAll_printsEveryNodesView() throws IOException {
    FakeNode a = node().always(status("n1", "LEADER", "n1", true, "HEALTHY"));
    FakeNode b = node().always(status("n2", "FOLLOWER", "n1", true, "HEALTHY"));

    Cli.Result r = Cli.run("status", "--all", "--endpoints", a.url() + "," + b.url());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("== " + a.url() + " ==")
        .contains("== " + b.url() + " ==")
        .contains("node       n1 (LEADER)")
        .contains("node       n2 (FOLLOWER)");
    assertThat(a.requests()).hasSize(1);
    assertThat(b.requests()).hasSize(1);
  }

  @Test
  void statusAll_unreachableNode_isShown_andExits1() throws IOException {
    FakeNode a = node().always(status("n1", "LEADER", "n1", true, "DEGRADED"));
    String dead = FakeNode.refusedUrl();

    Cli.Result r = Cli.run("status", "--all", "--endpoints", a.url() + "," + dead);

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_FAILED);
    assertThat(r.out())
        .contains("node       n1 (LEADER)")
        .contains("== " + dead + " ==\nunreachable: could not connect".replace("\n", System.lineSeparator()));
    assertThat(r.err()).contains("1 of 2 nodes did not answer: " + dead);
  }

  @Test
  void statusAll_nodeAnsweringWithAnError_exits1() throws IOException {
    FakeNode a = node().always(status("n1", "LEADER", "n1", true, "HEALTHY"));
    FakeNode b = node().always(problem(403, "FORBIDDEN", "role viewer required"));

    Cli.Result r = Cli.run("status", "--all", "--endpoints", a.url() + "," + b.url());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_FAILED);
    assertThat(r.out()).contains("error: FORBIDDEN").contains("role viewer required");
  }

  @Test
  void statusAll_json_isOneArray() throws IOException {
    FakeNode a = node().always(status("n1", "LEADER", "n1", true, "HEALTHY"));
    String dead = FakeNode.refusedUrl();

    Cli.Result r = Cli.run("status", "--all", "--json", "--endpoints", a.url() + "," + dead);

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_FAILED);
    JsonNode doc = new ObjectMapper().readTree(r.out());
    assertThat(doc.isArray()).isTrue();
    assertThat(doc.get(0).get("reachable").asBoolean()).isTrue();
    assertThat(doc.get(0).get("status").get("nodeId").asText()).isEqualTo("n1");
    assertThat(doc.get(1).get("endpoint").asText()).isEqualTo(dead);
    assertThat(doc.get(1).get("reachable").asBoolean()).isFalse();
    assertThat(doc.get(1).get("error").get("code").asText()).isEqualTo("UNAVAILABLE");
  }

  @Test
  void status_badOption_exits2() {
    Cli.Result r = Cli.run("status", "--timeout", "0s", "--endpoints", "http://127.0.0.1:1");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_USAGE);
    assertThat(r.err()).contains("--timeout: must be longer than 0, got '0s'");
  }

  @Test
  void status_duplicateEndpoint_exits2() {
    Cli.Result r = Cli.run("status", "--endpoints", "127.0.0.1:1,http://127.0.0.1:1/");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_USAGE);
    assertThat(r.err()).contains("--endpoints: endpoint listed twice");
  }

  @Test
  void defaultEndpoints_areTheDevCluster() {
    assumeTrue(System.getenv(ClusterOptions.ENDPOINTS_ENV) == null, "SPLITGUARD_ENDPOINTS is set");

    Cli.Result r = Cli.run("status", "--help");

    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("127.0.0.1:8101").contains(ClusterOptions.ENDPOINTS_ENV);
  }
}
