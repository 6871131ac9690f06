package io.splitguard.cli;

import static io.splitguard.cli.FakeNode.json;
import static io.splitguard.cli.FakeNode.problem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code splitguard ap} against scripted nodes: output, requests sent, messages, exit codes. */
class ApCommandsTest {
  private static final String LWW = "{\"keyspace\":\"logs\",\"key\":\"k\",\"type\":\"lww\",\"value\":\"v\","
      + "\"clock\":{\"physicalMs\":5,\"logical\":0,\"node\":\"n1\"},\"node\":\"n1\",\"stale\":false}";
  private static final String CONFLICT = "{\"keyspace\":\"drift\",\"key\":\"k\",\"type\":\"manual\",\"conflict\":true,"
      + "\"value\":null,\"siblings\":[{\"value\":\"x\",\"node\":\"n1\",\"dot\":1,\"context\":{\"n1\":1}},"
      + "{\"value\":\"y\",\"node\":\"n2\",\"dot\":1,\"context\":{\"n2\":1}}],\"context\":{\"n1\":1,\"n2\":1},"
      + "\"stale\":true}";

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
  void get_printsTheValueAndWhoWroteIt() throws IOException {
    FakeNode n = node().then(json(200, LWW));

    Cli.Result r = Cli.run("ap", "get", "logs", "k", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("k = v  (lww, by n1)" + System.lineSeparator());
    assertThat(n.requests()).singleElement().satisfies(q -> {
      assertThat(q.method()).isEqualTo("GET");
      assertThat(q.path()).isEqualTo("/v1/keyspaces/logs/kv/k");
    });
  }

  @Test
  void get_conflict_listsEverySiblingAndTheStaleMarker() throws IOException {
    FakeNode n = node().then(json(200, CONFLICT)).then(json(200, CONFLICT));

    Cli.Result r = Cli.run("ap", "get", "drift", "k", "--endpoints", n.url());
    Cli.Result j = Cli.run("ap", "get", "drift", "k", "--json", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("2 concurrent values (conflict: resolve it)").contains("stale")
        .contains("x  (by n1").contains("y  (by n2");
    JsonNode doc = new ObjectMapper().readTree(j.out());
    assertThat(doc.get("conflict").asBoolean()).isTrue();
    assertThat(doc.get("stale").asBoolean()).isTrue();
    assertThat(doc.get("value").isNull()).isTrue();
    assertThat(doc.get("siblings")).hasSize(2);
  }

  @Test
  void putDeleteAndResolve_sendTheRightRequests() throws IOException {
    FakeNode n = node().then(json(200, LWW))
        .then(json(200, "{\"keyspace\":\"logs\",\"key\":\"k\",\"deleted\":true,\"type\":\"lww\",\"removed\":"
            + "[{\"value\":\"v\",\"clock\":{\"physicalMs\":5},\"node\":\"n1\",\"reason\":\"DELETED\"}]}"))
        .then(json(200, LWW.replace("logs", "drift").replace("lww", "manual")
            .replace("\"clock\":{\"physicalMs\":5,\"logical\":0,\"node\":\"n1\"},", "\"siblings\":[{\"value\":\"v\",\"node\":\"n1\",\"context\":{}}],")));

    Cli.Result put = Cli.run("ap", "put", "logs", "k", "v", "--endpoints", n.url());
    Cli.Result del = Cli.run("ap", "delete", "logs", "k", "--endpoints", n.url());
    Cli.Result resolve = Cli.run("ap", "resolve", "drift", "k", "v", "--endpoints", n.url());

    assertThat(put.exitCode()).as(put.toString()).isZero();
    assertThat(del.exitCode()).as(del.toString()).isZero();
    assertThat(del.out()).contains("deleted k  (lww, removed 1 value)");
    assertThat(resolve.exitCode()).as(resolve.toString()).isZero();
    assertThat(n.requests()).extracting(FakeNode.Request::method).containsExactly("PUT", "DELETE", "POST");
    assertThat(n.requests().get(0).body()).isEqualTo("{\"value\":\"v\"}");
    assertThat(n.requests().get(2).path()).isEqualTo("/v1/keyspaces/drift/kv/k/resolve");
  }

  @Test
  void delete_ofNothing_exits1_namingTheKey() throws IOException {
    FakeNode n = node().then(problem(404, "NOT_FOUND", "key 'k' does not exist"));

    Cli.Result r = Cli.run("ap", "delete", "stats", "k", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_FAILED);
    assertThat(r.err()).contains("NOT_FOUND").contains("'k'").contains("'stats'");
  }

  @Test
  void counterAndSet_sendTheirBodies_andPrintTheResult() throws IOException {
    FakeNode n = node()
        .then(json(200, "{\"keyspace\":\"stats\",\"name\":\"hits\",\"type\":\"counter\",\"value\":-3,\"nodes\":{}}"))
        .then(json(200, "{\"keyspace\":\"stats\",\"name\":\"on\",\"type\":\"set\",\"elements\":[\"a\",\"b\"]}"))
        .then(json(200, "{\"keyspace\":\"stats\",\"name\":\"on\",\"type\":\"set\",\"elements\":[\"b\"],\"stale\":true}"));

    Cli.Result add = Cli.run("ap", "counter", "add", "stats", "hits", "-3", "--endpoints", n.url());
    Cli.Result setAdd = Cli.run("ap", "set", "add", "stats", "on", "a", "b", "--endpoints", n.url());
    Cli.Result setGet = Cli.run("ap", "set", "get", "stats", "on", "--endpoints", n.url());

    assertThat(add.out()).contains("hits = -3");
    assertThat(setAdd.out()).contains("on = {a, b}");
    assertThat(setGet.out()).contains("on = {b}  (stale");
    assertThat(n.requests().get(0).path()).isEqualTo("/v1/keyspaces/stats/counters/hits");
    assertThat(n.requests().get(0).body()).isEqualTo("{\"delta\":-3}");
    assertThat(n.requests().get(1).body()).isEqualTo("{\"add\":[\"a\",\"b\"]}");
  }

  @Test
  void badInput_namesTheParameter_andSendsNothing() throws IOException {
    FakeNode n = node();

    Cli.Result delta = Cli.run("ap", "counter", "add", "stats", "hits", "lots", "--endpoints", n.url());
    Cli.Result key = Cli.run("ap", "get", "logs", "", "--endpoints", n.url());
    Cli.Result missing = Cli.run("ap", "set", "add", "stats", "on", "--endpoints", n.url());

    assertThat(delta.exitCode()).isEqualTo(SplitGuardCli.EXIT_USAGE);
    assertThat(delta.err()).contains("DELTA: must be an integer, got 'lots'");
    assertThat(key.exitCode()).isEqualTo(SplitGuardCli.EXIT_USAGE);
    assertThat(key.err()).contains("KEY: must not be empty");
    assertThat(missing.exitCode()).isEqualTo(SplitGuardCli.EXIT_USAGE);
    assertThat(missing.err()).contains("ELEMENT");
    assertThat(n.requests()).isEmpty();
  }

  @Test
  void conflictOnPut_exits1_withTheServersWords() throws IOException {
    FakeNode n = node().then(problem(409, "CONFLICT", "key 'k' is in conflict; resolve it first"));

    Cli.Result r = Cli.run("ap", "put", "drift", "k", "z", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_FAILED);
    assertThat(r.err()).contains("CONFLICT").contains("resolve it first");
  }
}
