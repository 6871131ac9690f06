package io.splitguard.cli;

import static io.splitguard.cli.FakeNode.json;
import static io.splitguard.cli.FakeNode.partitioned;
import static io.splitguard.cli.FakeNode.problem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code splitguard lock} against scripted nodes: output, requests sent, messages, exit codes.
 * Runs {@link LockCommand} as its own root command, exactly as it runs under {@code splitguard}.
 */
class LockCommandTest {

  private static final long EXPIRES = 1_767_225_610_000L; // 2026-01-01T00:00:10Z

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

  private static Cli.Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new LockCommand()).setCaseInsensitiveEnumValuesAllowed(true);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Cli.Result(code, out.toString(), err.toString());
  }

  private static JsonNode parse(String json) throws IOException {
    return new ObjectMapper().readTree(json);
  }

  private static FakeNode.Reply lease(long token) {
    return json(200, "{\"name\":\"job\",\"owner\":\"w1\",\"token\":" + token
        + ",\"ttlMs\":10000,\"expiresAtMs\":" + EXPIRES + "}");
  }

  @Test
  void acquire_printsTokenAndExpiry_andWarnsThatTheLeaseIsNotKeptAlive() throws IOException {
    FakeNode n = node().then(lease(12));

    Cli.Result r = run("acquire", "job", "--owner", "w1", "--ttl", "10s", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("acquired job  (token 12, owner w1, expires 2026-01-01T00:00:10Z");
    assertThat(r.err()).contains("not kept alive").contains("lock keepalive job --token 12")
        .contains("lock release job --token 12");
    assertThat(n.requests()).singleElement().satisfies(q -> {
      assertThat(q.method()).isEqualTo("POST");
      assertThat(q.path()).isEqualTo("/v1/locks/job");
      assertThat(parse(q.body()).get("owner").asText()).isEqualTo("w1");
      assertThat(parse(q.body()).get("ttlMs").asLong()).isEqualTo(10_000);
    });
  }

  @Test
  void acquire_json_printsTheLease() throws IOException {
    FakeNode n = node().then(lease(12));

    Cli.Result r = run("acquire", "job", "--owner", "w1", "--ttl", "10s", "--json", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode doc = parse(r.out());
    assertThat(doc.get("token").asLong()).isEqualTo(12);
    assertThat(doc.get("expiresAtMs").asLong()).isEqualTo(EXPIRES);
  }

  @Test
  void acquire_ofAHeldLock_exits1_namingTheHolder() throws IOException {
    FakeNode n = node().then(problem(409, "CONFLICT", "lock 'job' is held by 'w2'",
        "\"name\":\"job\",\"owner\":\"w2\",\"token\":9,\"expiresAtMs\":" + EXPIRES + ",", Map.of()));

    Cli.Result r = run("acquire", "job", "--owner", "w1", "--ttl", "10s", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_FAILED);
    assertThat(r.err()).contains("CONFLICT").contains("held by w2 under token 9");
  }

  @Test
  void acquire_withUnknownOutcome_exits3_andSaysHowToFindOut() throws IOException {
    FakeNode n = node().then(problem(504, "TIMEOUT", "the write may or may not have been applied"));

    Cli.Result r = run("acquire", "job", "--owner", "w1", "--ttl", "10s", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_UNKNOWN);
    assertThat(r.err()).contains("outcome unknown").contains("lock show job");
    assertThat(n.requests()).hasSize(1);
  }

  @Test
  void acquire_badUsage_exits2_namingTheOption() throws IOException {
    FakeNode n = node();
    assertThat(run("acquire", "job", "--owner", "w1", "--ttl", "ten", "--endpoints", n.url()))
        .satisfies(r -> {
          assertThat(r.exitCode()).isEqualTo(SplitGuardCli.EXIT_USAGE);
          assertThat(r.err()).contains("--ttl");
        });
    assertThat(run("acquire", "job", "--ttl", "10s", "--endpoints", n.url()).exitCode())
        .isEqualTo(SplitGuardCli.EXIT_USAGE);
    assertThat(run("acquire", "job", "--owner", "", "--ttl", "10s", "--endpoints", n.url()).err())
        .contains("--owner");
    assertThat(n.requests()).isEmpty();
  }

  @Test
  void keepalive_sendsTheToken_andPrintsTheNewExpiry() throws IOException {
    FakeNode n = node().then(lease(12));

    Cli.Result r = run("keepalive", "job", "--token", "12", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("renewed job  (token 12");
    assertThat(n.requests().get(0).path()).isEqualTo("/v1/locks/job/keepalive");
    assertThat(parse(n.requests().get(0).body()).get("token").asLong()).isEqualTo(12);
  }

  @Test
  void release_sendsDeleteWithTheToken() throws IOException {
    FakeNode n = node().then(json(200, "{\"name\":\"job\",\"token\":12,\"released\":true,\"revision\":13}"));

    Cli.Result r = run("release", "job", "--token", "12", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("released job  (token 12)");
    assertThat(n.requests()).singleElement().satisfies(q -> {
      assertThat(q.method()).isEqualTo("DELETE");
      assertThat(q.path()).isEqualTo("/v1/locks/job");
      assertThat(parse(q.body()).get("token").asLong()).isEqualTo(12);
    });
  }

  @Test
  void release_byANonHolder_exits1_withFenced() throws IOException {
    FakeNode n = node().then(problem(409, "FENCED", "token: 11 does not hold lock 'job'"));

    Cli.Result r = run("release", "job", "--token", "11", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_FAILED);
    assertThat(r.err()).contains("FENCED").contains("token: 11");
  }

  @Test
  void release_badToken_exits2_beforeSendingAnything() throws IOException {
    FakeNode n = node();
    for (String bad : List.of("0", "-4", "x")) {
      Cli.Result r = run("release", "job", "--token", bad, "--endpoints", n.url());
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_USAGE);
      assertThat(r.err()).contains("--token: must be a number >= 1");
    }
    assertThat(n.requests()).isEmpty();
  }

  @Test
  void show_printsHolderTokenAndRemainingTime() throws IOException {
    FakeNode n = node().then(json(200, "{\"name\":\"job\",\"owner\":\"w1\",\"token\":12,\"ttlMs\":10000,"
        + "\"expiresAtMs\":" + EXPIRES + ",\"expired\":false,\"remainingMs\":4000,\"clockMs\":1}"));

    Cli.Result r = run("show", "job", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("job: held by w1  (token 12, expires 2026-01-01T00:00:10Z, in 4s)");
    assertThat(n.requests().get(0).query()).isEqualTo("consistency=linearizable");
  }

  @Test
  void show_stale_expiredLease_andNotHeld() throws IOException {
    FakeNode n = node()
        .then(json(200, "{\"name\":\"job\",\"owner\":\"w1\",\"token\":12,\"expiresAtMs\":" + EXPIRES
            + ",\"expired\":true,\"remainingMs\":0,\"stale\":true,\"appliedIndex\":40}"))
        .then(problem(404, "NOT_FOUND", "lock 'job' is not held"));

    Cli.Result expired = run("show", "job", "--stale", "--endpoints", n.url());
    assertThat(expired.exitCode()).as(expired.toString()).isZero();
    assertThat(expired.out()).contains("job: expired lease of w1  (token 12, expired 2026-01-01T00:00:10Z, stale, applied index 40)");
    assertThat(n.requests().get(0).query()).isEqualTo("consistency=stale");

    Cli.Result missing = run("show", "job", "--endpoints", n.url());
    assertThat(missing.exitCode()).isEqualTo(SplitGuardCli.EXIT_FAILED);
    assertThat(missing.err()).contains("NOT_FOUND: lock 'job' is not held");
  }

  @Test
  void show_partitionedEverywhere_exits1() throws IOException {
    FakeNode n = node().always(partitioned());

    Cli.Result r = run("show", "job", "--timeout", "2s", "--endpoints", n.url());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(SplitGuardCli.EXIT_FAILED);
    assertThat(r.err()).contains("PARTITIONED");
  }

  @Test
  void guardedPut_andGet() throws IOException {
    FakeNode n = node()
        .then(json(200, "{\"resource\":\"db\",\"value\":\"v1\",\"token\":12,\"revision\":14}"))
        .then(problem(409, "FENCED", "token: 11 is older than token 12", "\"highestToken\":12,", Map.of()))
        .then(json(200, "{\"resource\":\"db\",\"value\":\"v1\",\"token\":12,\"revision\":14}"));

    Cli.Result put = run("guarded", "put", "db", "v1", "--token", "12", "--endpoints", n.url());
    assertThat(put.exitCode()).as(put.toString()).isZero();
    assertThat(put.out()).contains("db = v1  (token 12, revision 14)");
    assertThat(n.requests().get(0).method()).isEqualTo("PUT");
    assertThat(n.requests().get(0).path()).isEqualTo("/v1/guarded/db");
    assertThat(parse(n.requests().get(0).body()).get("token").asLong()).isEqualTo(12);

    Cli.Result fenced = run("guarded", "put", "db", "late", "--token", "11", "--endpoints", n.url());
    assertThat(fenced.exitCode()).as(fenced.toString()).isEqualTo(SplitGuardCli.EXIT_FAILED);
    assertThat(fenced.err()).contains("FENCED").contains("highest token accepted there: 12");

    Cli.Result get = run("guarded", "get", "db", "--json", "--endpoints", n.url());
    assertThat(get.exitCode()).as(get.toString()).isZero();
    assertThat(parse(get.out()).get("value").asText()).isEqualTo("v1");
  }

  @Test
  void helpSaysTheCliCannotKeepALeaseAlive() {
    Cli.Result r = run("--help");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("cannot keep a lease alive");
    assertThat(run("acquire", "--help").out()).contains("NOT kept alive");
  }
}
