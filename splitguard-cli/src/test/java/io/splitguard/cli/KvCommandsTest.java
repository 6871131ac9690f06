package io.splitguard.cli;

import static io.splitguard.cli.FakeNode.entry;
import static io.splitguard.cli.FakeNode.json;
import static io.splitguard.cli.FakeNode.partitioned;
import static io.splitguard.cli.FakeNode.problem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code splitguard kv} against scripted nodes: output, requests sent, messages, exit codes. */
class KvCommandsTest {

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

  private static JsonNode parse(String json) throws IOException {
    return new ObjectMapper().readTree(json);
  }

  // ---- get ----

  @Test
  void get_printsKeyValueAndRevision() throws IOException {
    FakeNode n = node().then(entry("greeting", "hello", 3));

    Cli.Result r = Cli.run("kv", "get", "greeting", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("greeting = hello  (revision 3)" + System.lineSeparator());
    assertThat(r.err()).isEmpty();
    assertThat(n.requests()).singleElement().satisfies(q -> {
      assertThat(q.method()).isEqualTo("GET");
      assertThat(q.path()).isEqualTo("/v1/kv/greeting");
      assertThat(q.query()).isEqualTo("consistency=linearizable");
    });
  }

  @Test
  void get_stale_asksForStale_andSaysHowStale() throws IOException {
    FakeNode n = node().then(json(200,
        "{\"key\":\"greeting\",\"value\":\"hello\",\"revision\":3,\"stale\":true,\"appliedIndex\":12}"));

    Cli.Result r = Cli.run("kv", "get", "greeting", "--stale", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("greeting = hello  (revision 3, stale, applied index 12)");
    assertThat(n.requests().get(0).query()).isEqualTo("consistency=stale");
  }

  @Test
  void get_json_printsTheEntry() throws IOException {
    FakeNode n = node().then(entry("greeting", "hello", 3));

    Cli.Result r = Cli.run("kv", "get", "greeting", "--json", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode doc = parse(r.out());
    assertThat(doc.get("key").asText()).isEqualTo("greeting");
    assertThat(doc.get("value").asText()).isEqualTo("hello");
    assertThat(doc.get("revision").asLong()).isEqualTo(3);
    assertThat(doc.has("stale")).isFalse();
  }

  @Test
  void get_notFound_exits1_namingTheKey() throws IOException {
    FakeNode n = node().then(problem(404, "NOT_FOUND", "key 'nope' does not exist"));

    Cli.Result r = Cli.run("kv", "get", "nope", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_FAILED);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("NOT_FOUND").contains("'nope'");
  }

  @Test
  void get_partitionedEverywhere_exits1_sayingNoQuorum_andSuggestingStale() throws IOException {
    FakeNode a = node().always(partitioned());
    FakeNode b = node().always(partitioned());

    Cli.Result r = Cli.run(
        "kv", "get", "k", "--timeout", "2s", "--endpoints", a.url() + "," + b.url());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_FAILED);
    assertThat(r.err())
        .contains("PARTITIONED: no node with a quorum answered within 2s")
        .contains("no majority")
        .contains("--stale")
        .doesNotContain("Exception\n\tat ");
  }

  // ---- put ----

  @Test
  void put_writes_andPrintsTheNewRevision() throws IOException {
    FakeNode n = node().then(entry("greeting", "hello", 4));

    Cli.Result r = Cli.run("kv", "put", "greeting", "hello", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("greeting = hello  (revision 4)");
    assertThat(n.requests()).singleElement().satisfies(q -> {
      assertThat(q.method()).isEqualTo("PUT");
      assertThat(q.path()).isEqualTo("/v1/kv/greeting");
      assertThat(parse(q.body()).get("value").asText()).isEqualTo("hello");
      assertThat(q.header("If-Match")).isNull();
    });
  }

  @Test
  void put_ifRevisionZero_sendsIfMatchZero() throws IOException {
    FakeNode n = node().then(entry("k", "v", 9));

    Cli.Result r = Cli.run("kv", "put", "k", "v", "--if-revision", "0", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(n.requests().get(0).header("If-Match")).isEqualTo("0");
  }

  @Test
  void put_keyWithSlash_isOneEncodedSegment() throws IOException {
    FakeNode n = node().then(entry("a/b", "v", 2));

    Cli.Result r = Cli.run("kv", "put", "a/b", "v", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(n.requests().get(0).path()).isEqualTo("/v1/kv/a%2Fb");
  }

  @Test
  void put_conflict_exits1_withTheServersCodeAndDetail() throws IOException {
    FakeNode n = node().then(problem(409, "CONFLICT",
        "If-Match: expected revision 3 but key 'k' has revision 5", "\"currentRevision\":5,", Map.of()));

    Cli.Result r = Cli.run("kv", "put", "k", "v", "--if-revision", "3", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_FAILED);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .startsWith("splitguard kv put: CONFLICT")
        .contains("expected revision 3 but key 'k' has revision 5");
  }

  @Test
  void put_timeout504_exits3_outcomeUnknown() throws IOException {
    FakeNode n = node().then(problem(504, "TIMEOUT", "commit not confirmed in time"));
    FakeNode other = node().always(entry("k", "v", 1));

    Cli.Result r = Cli.run("kv", "put", "k", "v", "--endpoints", n.url() + "," + other.url());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_UNKNOWN);
    assertThat(r.err())
        .contains("outcome unknown: the write may or may not have been applied")
        .contains("TIMEOUT")
        .contains("commit not confirmed in time");
    // Never retried: repeating a write whose first copy may have applied could apply it twice.
    assertThat(other.requests()).isEmpty();
  }

  @Test
  void put_partitionedEverywhere_exits1_sayingTheWriteWasNotApplied() throws IOException {
    FakeNode a = node().always(partitioned());
    FakeNode b = node().always(partitioned());

    Cli.Result r = Cli.run(
        "kv", "put", "k", "v", "--timeout", "2s", "--endpoints", a.url() + "," + b.url());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_FAILED);
    assertThat(r.err())
        .contains("splitguard kv put: PARTITIONED: no node with a quorum answered within 2s")
        .contains("the write was not applied")
        .contains("last answer: PARTITIONED");
    assertThat(a.requests()).isNotEmpty();
    assertThat(b.requests()).isNotEmpty();
  }

  @Test
  void put_badRequest_exits1_withTheDetail() throws IOException {
    FakeNode n = node().then(problem(400, "BAD_REQUEST",
        "value: 2000000 bytes exceeds the limit of 1048576 bytes"));

    Cli.Result r = Cli.run("kv", "put", "k", "v", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_FAILED);
    assertThat(r.err()).contains("BAD_REQUEST").contains("exceeds the limit");
  }

  @Test
  void put_nothingListening_exits1_notApplied() throws IOException {
    Cli.Result r = Cli.run(
        "kv", "put", "k", "v", "--timeout", "300ms", "--endpoints", FakeNode.refusedUrl());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_FAILED);
    assertThat(r.err())
        .contains("UNAVAILABLE: no node served the request within 300ms")
        .contains("the write was not applied")
        .contains("could not connect");
  }

  @Test
  void put_ifRevisionNotANumber_exits2_beforeSendingAnything() throws IOException {
    FakeNode n = node();

    Cli.Result r = Cli.run("kv", "put", "k", "v", "--if-revision", "x", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_USAGE);
    assertThat(r.err()).contains("--if-revision: must be a number >= 0, got 'x'");
    assertThat(n.requests()).isEmpty();
  }

  @Test
  void put_negativeIfRevision_exits2() throws IOException {
    FakeNode n = node();

    Cli.Result r = Cli.run("kv", "put", "k", "v", "--if-revision=-1", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_USAGE);
    assertThat(r.err()).contains("--if-revision: must be a number >= 0, got '-1'");
  }

  @Test
  void put_missingValue_exits2() throws IOException {
    FakeNode n = node();

    Cli.Result r = Cli.run("kv", "put", "k", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_USAGE);
    assertThat(r.err()).contains("VALUE");
  }

  @Test
  void unknownOption_exits2() {
    Cli.Result r = Cli.run("kv", "get", "k", "--bogus");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_USAGE);
    assertThat(r.err()).contains("--bogus");
  }

  @Test
  void badTimeout_exits2_namingTheOption() {
    Cli.Result r = Cli.run("kv", "get", "k", "--timeout", "soon", "--endpoints", "http://127.0.0.1:1");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_USAGE);
    assertThat(r.err()).contains("--timeout: must be a duration like 250ms, 2s or 1m, got 'soon'");
  }

  @Test
  void badEndpoint_exits2_namingTheOption() {
    Cli.Result r = Cli.run("kv", "get", "k", "--endpoints", "ftp://127.0.0.1:1");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_USAGE);
    assertThat(r.err()).contains("--endpoints: must be an http or https URL, got 'ftp://127.0.0.1:1'");
  }

  @Test
  void bareHostPortEndpoint_meansHttp() throws IOException {
    FakeNode n = node().then(entry("k", "v", 1));

    Cli.Result r = Cli.run("kv", "get", "k", "--endpoints", n.url().substring("http://".length()));

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(n.requests()).hasSize(1);
  }

  @Test
  void emptyKey_exits2() throws IOException {
    FakeNode n = node();

    Cli.Result r = Cli.run("kv", "get", "", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_USAGE);
    assertThat(r.err()).contains("KEY: must not be empty");
  }

  @Test
  void kvWithoutSubcommand_exits2() {
    Cli.Result r = Cli.run("kv");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_USAGE);
    assertThat(r.err()).contains("missing subcommand");
  }

  // ---- del ----

  @Test
  void del_deletes_andPrintsTheRevision() throws IOException {
    FakeNode n = node().then(json(200,
        "{\"key\":\"k\",\"revision\":8,\"deleted\":true,\"prevRevision\":5}"));

    Cli.Result r = Cli.run("kv", "del", "k", "--if-revision", "5", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("deleted k  (revision 8)");
    assertThat(n.requests()).singleElement().satisfies(q -> {
      assertThat(q.method()).isEqualTo("DELETE");
      assertThat(q.header("If-Match")).isEqualTo("5");
    });
  }

  @Test
  void del_json() throws IOException {
    FakeNode n = node().then(json(200, "{\"key\":\"k\",\"revision\":8,\"deleted\":true}"));

    Cli.Result r = Cli.run("kv", "del", "k", "--json", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode doc = parse(r.out());
    assertThat(doc.get("revision").asLong()).isEqualTo(8);
    assertThat(doc.get("deleted").asBoolean()).isTrue();
  }

  @Test
  void del_missingKey_exits1() throws IOException {
    FakeNode n = node().then(problem(404, "NOT_FOUND", "key 'k' does not exist"));

    Cli.Result r = Cli.run("kv", "del", "k", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_FAILED);
    assertThat(r.err()).contains("NOT_FOUND").contains("key 'k' does not exist");
  }

  @Test
  void del_conflict_exits1() throws IOException {
    FakeNode n = node().then(problem(409, "CONFLICT", "If-Match: expected revision 2 but key 'k' has revision 5"));

    Cli.Result r = Cli.run("kv", "del", "k", "--if-revision", "2", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_FAILED);
    assertThat(r.err()).contains("CONFLICT").contains("has revision 5");
  }

  @Test
  void del_timeout504_exits3() throws IOException {
    FakeNode n = node().then(problem(504, "TIMEOUT", "the write may or may not have been applied"));

    Cli.Result r = Cli.run("kv", "del", "k", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_UNKNOWN);
    assertThat(r.err()).contains("outcome unknown");
  }
}
