package io.splitguard.client;

import static io.splitguard.client.ScriptedServer.hangUp;
import static io.splitguard.client.ScriptedServer.json;
import static io.splitguard.client.ScriptedServer.problem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client against real HTTP servers on loopback that script each node's answers. Time is
 * fake: backoff is recorded, never slept, and deadlines expire by summing the recorded sleeps.
 */
class SplitGuardClientTest {

  /** Shaped like the server's answer, plus fields this client does not know. */
  private static final String STATUS_JSON =
      "{\"nodeId\":\"n1\",\"role\":\"LEADER\",\"leaderId\":\"n1\",\"term\":7,"
          + "\"partitionStatus\":\"DEGRADED\",\"quorum\":true,\"fenced\":false,"
          + "\"members\":[{\"id\":\"n1\",\"address\":\"127.0.0.1:7401\","
          + "\"raftAddress\":\"127.0.0.1:8401\",\"self\":true,\"reachable\":true,"
          + "\"phi\":0.0,\"lastHeartbeatAgeMs\":0},{\"id\":\"n2\",\"address\":\"127.0.0.1:7402\","
          + "\"raftAddress\":\"127.0.0.1:8402\",\"self\":false,\"reachable\":false,"
          + "\"phi\":11.5,\"lastHeartbeatAgeMs\":1234}],"
          + "\"appliedIndex\":42,\"commitIndex\":43,\"version\":\"0.1.0\","
          + "\"extra\":{\"nested\":[1,2]}}";

  private final FakeTime time = new FakeTime();
  private final List<AutoCloseable> resources = new ArrayList<>();

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

  private SplitGuardClient.Builder builder(URI... endpoints) {
    return SplitGuardClient.builder()
        .endpoints(List.of(endpoints))
        .sleeper(time)
        .ticker(time)
        .random(42);
  }

  private SplitGuardClient client(URI... endpoints) {
    return track(builder(endpoints).build());
  }

  private SplitGuardClient track(SplitGuardClient client) {
    resources.add(client);
    return client;
  }

  private static String entryJson(String key, String value, long revision, long createRevision) {
    return "{\"key\":\""
        + key
        + "\",\"value\":\""
        + value
        + "\",\"revision\":"
        + revision
        + ",\"createRevision\":"
        + createRevision
        + "}";
  }

  // ---- happy paths ----

  @Test
  void status_parsesEveryField_andIgnoresUnknownOnes() throws IOException {
    ScriptedServer node = server().then(json(200, STATUS_JSON));

    Status status = client(node.uri()).status();

    assertThat(status)
        .isEqualTo(
            new Status(
                "n1",
                "LEADER",
                "n1",
                7,
                "DEGRADED",
                true,
                false,
                List.of(
                    new Member("n1", "127.0.0.1:7401", true, 0.0, true, 0),
                    new Member("n2", "127.0.0.1:7402", false, 11.5, false, 1234)),
                42,
                43));
    assertThat(status.isLeader()).isTrue();
    assertThat(status.leader()).contains("n1");
    assertThat(node.requests()).singleElement().satisfies(r -> {
      assertThat(r.method()).isEqualTo("GET");
      assertThat(r.rawPath()).isEqualTo("/v1/status");
    });
  }

  @Test
  void status_withoutLeaderOrOptionalFields_usesDocumentedDefaults() throws IOException {
    ScriptedServer node =
        server()
            .then(
                json(
                    200,
                    "{\"nodeId\":\"n3\",\"role\":\"CANDIDATE\",\"leaderId\":null,"
                        + "\"partitionStatus\":\"PARTITIONED\",\"fenced\":true,"
                        + "\"members\":[{\"id\":\"n3\",\"address\":\"h:1\",\"reachable\":true}]}"));

    Status status = client(node.uri()).status();

    assertThat(status.leader()).isEmpty();
    assertThat(status.isLeader()).isFalse();
    assertThat(status.term()).isEqualTo(-1);
    assertThat(status.quorum()).isFalse();
    assertThat(status.appliedIndex()).isEqualTo(-1);
    assertThat(status.commitIndex()).isEqualTo(-1);
    assertThat(status.fenced()).isTrue();
    assertThat(status.members())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.phi()).isNaN();
              assertThat(m.self()).isFalse();
              assertThat(m.lastHeartbeatAgeMs()).isEqualTo(-1);
            });
  }

  @Test
  void status_quorumCountsOnlyAJsonTrue() throws IOException {
    // An older or foreign node might send a vote count or a string; neither proves a quorum.
    ScriptedServer node =
        server()
            .then(json(200, "{\"nodeId\":\"n1\",\"quorum\":2,\"members\":[]}"))
            .then(json(200, "{\"nodeId\":\"n1\",\"quorum\":\"true\",\"members\":[]}"))
            .then(json(200, "{\"nodeId\":\"n1\",\"quorum\":false,\"members\":[]}"));
    SplitGuardClient client = client(node.uri());

    assertThat(client.status().quorum()).isFalse();
    assertThat(client.status().quorum()).isFalse();
    assertThat(client.status().quorum()).isFalse();
  }

  @Test
  void status_skipsRefusedEndpoint() throws IOException {
    URI refused = ScriptedServer.refusedEndpoint();
    ScriptedServer node = server().then(json(200, STATUS_JSON));

    assertThat(client(refused, node.uri()).status().nodeId()).isEqualTo("n1");
    assertThat(node.requestCount()).isEqualTo(1);
  }

  @Test
  void status_ofNamedEndpoint_asksThatNodeOnly() throws IOException {
    ScriptedServer configured = server();
    ScriptedServer other = server().then(json(200, STATUS_JSON));

    Status status = client(configured.uri()).status(URI.create(other.uri() + "/"));

    assertThat(status.nodeId()).isEqualTo("n1");
    assertThat(configured.requestCount()).isZero();
    assertThat(other.requestCount()).isEqualTo(1);
  }

  @Test
  void status_ofRefusedEndpoint_failsAfterOneAttemptWithoutBackoff() throws IOException {
    ScriptedServer configured = server();
    URI refused = ScriptedServer.refusedEndpoint();

    UnavailableException e =
        catchThrowableOfType(
            UnavailableException.class, () -> client(configured.uri()).status(refused));

    assertThat(e.attempts()).isEqualTo(1);
    assertThat(e.getCause()).isInstanceOf(ConnectException.class);
    assertThat(e.endpoint()).contains(refused);
    assertThat(time.sleeps()).isEmpty();
  }

  @Test
  void put_sendsJsonValueWithoutPrecondition_andReturnsTheEntry() throws IOException {
    ScriptedServer node = server().then(json(200, entryJson("k", "v \\\"q\\\"", 5, 3)));

    KvEntry entry = client(node.uri()).put("k", "v \"q\"");

    assertThat(entry).isEqualTo(new KvEntry("k", "v \"q\"", 5, 3, false, -1));
    ScriptedServer.Recorded r = node.requests().get(0);
    assertThat(r.method()).isEqualTo("PUT");
    assertThat(r.rawPath()).isEqualTo("/v1/kv/k");
    assertThat(r.body()).isEqualTo("{\"value\":\"v \\\"q\\\"\"}");
    assertThat(r.header("Content-Type")).isEqualTo("application/json");
    assertThat(r.header("If-Match")).isNull();
  }

  @Test
  void apGet_parsesSiblingsConflictAndStale_andAbsentIsEmpty() throws IOException {
    ScriptedServer node = server()
        .then(json(200, "{\"keyspace\":\"drift\",\"key\":\"a/b\",\"type\":\"manual\",\"conflict\":true,"
            + "\"value\":null,\"siblings\":[{\"value\":\"x\",\"node\":\"n1\",\"dot\":1,\"context\":{\"n1\":1}},"
            + "{\"value\":\"y\",\"node\":\"n2\",\"dot\":1,\"context\":{\"n2\":1}}],\"stale\":true}"))
        .then(problem(404, "NOT_FOUND", "key 'k' was deleted"));
    SplitGuardClient client = client(node.uri());

    ApValues.Register r = client.apGet("drift", "a/b").orElseThrow();

    assertThat(r.conflict()).isTrue();
    assertThat(r.stale()).isTrue();
    assertThat(r.value()).isEmpty();
    assertThat(r.siblings()).extracting(ApValues.Sibling::value).containsExactly("x", "y");
    assertThat(r.siblings().get(0).clock()).isEqualTo("{\"n1\":1}");
    assertThat(node.requests().get(0).rawPath()).isEqualTo("/v1/keyspaces/drift/kv/a%2Fb");
    assertThat(client.apGet("drift", "k")).isEmpty();
  }

  @Test
  void apDeleteCounterAndSet_sendTheirRequests() throws IOException {
    ScriptedServer node = server()
        .then(json(200, "{\"keyspace\":\"logs\",\"key\":\"k\",\"deleted\":true,\"type\":\"lww\",\"removed\":"
            + "[{\"value\":\"v\",\"clock\":{\"physicalMs\":5},\"node\":\"n1\",\"reason\":\"DELETED\"}]}"))
        .then(problem(404, "NOT_FOUND", "nothing"))
        .then(json(200, "{\"keyspace\":\"stats\",\"name\":\"c\",\"type\":\"counter\",\"value\":7}"))
        .then(json(200, "{\"keyspace\":\"stats\",\"name\":\"s\",\"type\":\"set\",\"elements\":[\"b\"]}"));
    SplitGuardClient client = client(node.uri());

    ApValues.Deletion d = client.apDelete("logs", "k").orElseThrow();
    assertThat(d.removed()).singleElement().satisfies(s -> assertThat(s.reason()).isEqualTo("DELETED"));
    assertThat(client.apDelete("stats", "k")).isEmpty();
    assertThat(client.counterAdd("stats", "c", 7).value()).isEqualTo(7);
    assertThat(client.setUpdate("stats", "s", List.of("b"), List.of("a")).elements()).containsExactly("b");

    assertThat(node.requests()).extracting(ScriptedServer.Recorded::method)
        .containsExactly("DELETE", "DELETE", "POST", "POST");
    assertThat(node.requests().get(2).rawPath()).isEqualTo("/v1/keyspaces/stats/counters/c");
    assertThat(node.requests().get(2).body()).isEqualTo("{\"delta\":7}");
    assertThat(node.requests().get(3).body()).isEqualTo("{\"add\":[\"b\"],\"remove\":[\"a\"]}");
    assertThatThrownBy(() -> client.setUpdate("stats", "s", List.of(), List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void putIfRevision_sendsIfMatchHeader() throws IOException {
    ScriptedServer node = server().then(json(200, entryJson("k", "v2", 9, 3)));

    KvEntry entry = client(node.uri()).putIfRevision("k", "v2", 5);

    assertThat(entry.revision()).isEqualTo(9);
    assertThat(node.requests().get(0).header("If-Match")).isEqualTo("5");
  }

  @Test
  void putIfRevision_zero_meansMustNotExist() throws IOException {
    ScriptedServer node = server().then(json(200, entryJson("k", "v", 1, 1)));

    client(node.uri()).putIfRevision("k", "v", 0);

    assertThat(node.requests().get(0).header("If-Match")).isEqualTo("0");
  }

  @Test
  void putIfRevision_negativeRevision_isRejectedBeforeSending() throws IOException {
    ScriptedServer node = server();

    assertThatThrownBy(() -> client(node.uri()).putIfRevision("k", "v", -1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(node.requestCount()).isZero();
  }

  @Test
  void get_linearizableByDefault_returnsEntryThatIsNotStale() throws IOException {
    ScriptedServer node = server().then(json(200, entryJson("k", "v", 5, 3)));

    Optional<KvEntry> entry = client(node.uri()).get("k");

    assertThat(entry).contains(new KvEntry("k", "v", 5, 3, false, -1));
    ScriptedServer.Recorded r = node.requests().get(0);
    assertThat(r.method()).isEqualTo("GET");
    assertThat(r.rawPath()).isEqualTo("/v1/kv/k");
    assertThat(r.rawQuery()).isEqualTo("consistency=linearizable");
  }

  @Test
  void get_stale_reportsStalenessAndAppliedIndex() throws IOException {
    ScriptedServer node =
        server()
            .then(
                json(
                    200,
                    "{\"key\":\"k\",\"value\":\"old\",\"revision\":4,\"createRevision\":3,"
                        + "\"stale\":true,\"appliedIndex\":17}"));

    Optional<KvEntry> entry = client(node.uri()).get("k", Consistency.STALE);

    assertThat(entry).contains(new KvEntry("k", "old", 4, 3, true, 17));
    assertThat(node.requests().get(0).rawQuery()).isEqualTo("consistency=stale");
  }

  @Test
  void get_notFound_returnsEmpty_withoutRetry() throws IOException {
    ScriptedServer node = server().then(problem(404, "NOT_FOUND", "no key k"));

    assertThat(client(node.uri()).get("k")).isEmpty();
    assertThat(node.requestCount()).isEqualTo(1);
  }

  @Test
  void get_404WithoutProblemCode_isNotMistakenForMissingKey() throws IOException {
    ScriptedServer node =
        server().then(ScriptedServer.respond(404, "text/html", "<h1>Not Found</h1>", Map.of()));

    UnexpectedResponseException e =
        catchThrowableOfType(UnexpectedResponseException.class, () -> client(node.uri()).get("k"));

    assertThat(e.httpStatus()).isEqualTo(404);
    assertThat(e.detail()).contains("Not Found");
  }

  @Test
  void delete_returnsTheDeleteRevision() throws IOException {
    ScriptedServer node = server().then(json(200, "{\"key\":\"k\",\"revision\":12}"));

    long revision = client(node.uri()).delete("k");

    assertThat(revision).isEqualTo(12);
    ScriptedServer.Recorded r = node.requests().get(0);
    assertThat(r.method()).isEqualTo("DELETE");
    assertThat(r.rawPath()).isEqualTo("/v1/kv/k");
    assertThat(r.header("If-Match")).isNull();
  }

  @Test
  void deleteIfRevision_sendsIfMatchHeader() throws IOException {
    ScriptedServer node = server().then(json(200, "{\"key\":\"k\",\"revision\":13}"));

    assertThat(client(node.uri()).deleteIfRevision("k", 12)).isEqualTo(13);
    assertThat(node.requests().get(0).header("If-Match")).isEqualTo("12");
  }

  @Test
  void delete_missingKey_throwsNotFound() throws IOException {
    ScriptedServer node = server().then(problem(404, "NOT_FOUND", "no key k"));

    assertThatThrownBy(() -> client(node.uri()).delete("k"))
        .isInstanceOf(NotFoundException.class)
        .satisfies(e -> assertThat(((NotFoundException) e).code()).isEqualTo("NOT_FOUND"));
    assertThat(node.requestCount()).isEqualTo(1);
  }

  // ---- keys ----

  @Test
  void key_isPercentEncodedAsOnePathSegment() throws IOException {
    ScriptedServer node = server().then(json(200, entryJson("a/b c", "v", 1, 1)));

    client(node.uri()).put("a/b c", "v");

    assertThat(node.requests().get(0).rawPath()).isEqualTo("/v1/kv/a%2Fb%20c");
  }

  @Test
  void key_nonAsciiAndReservedCharacters_areEncodedAsUtf8() throws IOException {
    ScriptedServer node = server().then(problem(404, "NOT_FOUND", "none"));

    client(node.uri()).get("é?#%+~._-");

    assertThat(node.requests().get(0).rawPath()).isEqualTo("/v1/kv/%C3%A9%3F%23%25%2B~._-");
  }

  @Test
  void endpointWithPathPrefix_keepsThePrefix() throws IOException {
    ScriptedServer node = server().then(json(200, STATUS_JSON));

    client(URI.create(node.uri() + "/splitguard/")).status();

    assertThat(node.requests().get(0).rawPath()).isEqualTo("/splitguard/v1/status");
  }

  // ---- retries across endpoints ----

  @Test
  void put_partitionedOnFirstEndpoint_succeedsOnSecond_afterHonouringRetryAfter()
      throws IOException {
    ScriptedServer minority =
        server()
            .then(
                problem(503, "PARTITIONED", "no quorum", "", Map.of("Retry-After", "2")));
    ScriptedServer majority = server().then(json(200, entryJson("k", "v", 8, 8)));

    KvEntry entry = client(minority.uri(), majority.uri()).put("k", "v");

    assertThat(entry.revision()).isEqualTo(8);
    assertThat(minority.requestCount()).isEqualTo(1);
    assertThat(majority.requestCount()).isEqualTo(1);
    assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(2));
  }

  @Test
  void retryAfterBeyondTheDeadline_isIgnored() throws IOException {
    ScriptedServer minority =
        server()
            .then(
                problem(503, "PARTITIONED", "no quorum", "", Map.of("Retry-After", "60")));
    ScriptedServer majority = server().then(json(200, entryJson("k", "v", 8, 8)));

    client(minority.uri(), majority.uri()).put("k", "v");

    assertThat(time.sleeps()).singleElement().satisfies(d ->
        assertThat(d).isLessThanOrEqualTo(SplitGuardClient.DEFAULT_INITIAL_BACKOFF));
  }

  @Test
  void refusedEndpoint_isSkipped_evenForWrites() throws IOException {
    URI refused = ScriptedServer.refusedEndpoint();
    ScriptedServer node = server().then(json(200, entryJson("k", "v", 2, 2)));

    KvEntry entry = client(refused, node.uri()).put("k", "v");

    assertThat(entry.revision()).isEqualTo(2);
    assertThat(node.requestCount()).isEqualTo(1);
    assertThat(time.sleeps()).hasSize(1);
  }

  @Test
  void nextCall_startsAtTheEndpointThatLastAnswered() throws IOException {
    ScriptedServer minority = server().otherwise(problem(503, "PARTITIONED", "no quorum"));
    ScriptedServer majority = server().otherwise(json(200, entryJson("k", "v", 2, 2)));
    SplitGuardClient client = client(minority.uri(), majority.uri());

    client.get("k");
    client.get("k");

    assertThat(minority.requestCount()).isEqualTo(1);
    assertThat(majority.requestCount()).isEqualTo(2);
  }

  @Test
  void notLeader_withHintNamingAConfiguredEndpoint_goesThereNext() throws IOException {
    ScriptedServer follower = server();
    ScriptedServer bystander = server();
    ScriptedServer leader = server().then(json(200, entryJson("k", "v", 3, 3)));
    follower.then(
        problem(
            503,
            "NOT_LEADER",
            "cannot forward",
            "\"leader\":\"" + leader.uri().getAuthority() + "\",",
            Map.of()));

    client(follower.uri(), bystander.uri(), leader.uri()).put("k", "v");

    assertThat(follower.requestCount()).isEqualTo(1);
    assertThat(bystander.requestCount()).isZero();
    assertThat(leader.requestCount()).isEqualTo(1);
  }

  @Test
  void notLeader_followsLeaderAddress_asTheServerSendsIt() throws IOException {
    ScriptedServer follower = server();
    ScriptedServer bystander = server();
    ScriptedServer leader = server().then(json(200, entryJson("k", "v", 3, 3)));
    follower.then(
        problem(
            503,
            "NOT_LEADER",
            "cannot forward",
            "\"leader\":\"n3\",\"leaderAddress\":\"" + leader.uri().getAuthority() + "\",",
            Map.of("Retry-After", "1")));

    client(follower.uri(), bystander.uri(), leader.uri()).put("k", "v");

    assertThat(bystander.requestCount()).isZero();
    assertThat(leader.requestCount()).isEqualTo(1);
  }

  @Test
  void notLeader_prefersLeaderAddressOverLeaderId() throws IOException {
    // The id happens to match an endpoint too; the address is the authoritative hint.
    ScriptedServer follower = server();
    ScriptedServer byId = server();
    ScriptedServer byAddress = server().then(json(200, entryJson("k", "v", 3, 3)));
    follower.then(
        problem(
            503,
            "NOT_LEADER",
            "cannot forward",
            "\"leader\":\""
                + byId.uri().getAuthority()
                + "\",\"leaderAddress\":\""
                + byAddress.uri().getAuthority()
                + "\",",
            Map.of()));

    client(follower.uri(), byId.uri(), byAddress.uri()).put("k", "v");

    assertThat(byId.requestCount()).isZero();
    assertThat(byAddress.requestCount()).isEqualTo(1);
  }

  @Test
  void notLeader_withForeignLeaderAddress_fallsBackToLeaderId() throws IOException {
    // The leader's address as the cluster knows it (another interface) matches no endpoint.
    ScriptedServer follower = server();
    ScriptedServer bystander = server();
    ScriptedServer leader = server().then(json(200, entryJson("k", "v", 3, 3)));
    follower.then(
        problem(
            503,
            "NOT_LEADER",
            "cannot forward",
            "\"leader\":\""
                + leader.uri().getAuthority()
                + "\",\"leaderAddress\":\"10.99.0.3:8103\",",
            Map.of()));

    client(follower.uri(), bystander.uri(), leader.uri()).put("k", "v");

    assertThat(bystander.requestCount()).isZero();
    assertThat(leader.requestCount()).isEqualTo(1);
  }

  @Test
  void notLeader_exposesBothHints() throws IOException {
    ScriptedServer node =
        server()
            .otherwise(
                problem(
                    503,
                    "NOT_LEADER",
                    "cannot forward",
                    "\"leader\":\"n3\",\"leaderAddress\":\"10.0.0.3:8103\",",
                    Map.of()));

    UnavailableException e =
        catchThrowableOfType(
            UnavailableException.class,
            () -> track(builder(node.uri()).deadline(Duration.ofMillis(200)).build()).put("k", "v"));

    assertThat(e.getCause())
        .isInstanceOfSatisfying(
            NotLeaderException.class,
            n -> {
              assertThat(n.leader()).contains("n3");
              assertThat(n.leaderAddress()).contains("10.0.0.3:8103");
              assertThat(n.leaderHint()).contains("10.0.0.3:8103");
            });
  }

  @Test
  void notLeader_withUnknownHint_rotatesToTheNextEndpoint() throws IOException {
    ScriptedServer follower =
        server()
            .then(problem(503, "NOT_LEADER", "cannot forward", "\"leader\":\"n9\",", Map.of()));
    ScriptedServer next = server().then(json(200, entryJson("k", "v", 3, 3)));

    client(follower.uri(), next.uri()).put("k", "v");

    assertThat(next.requestCount()).isEqualTo(1);
  }

  // ---- ambiguous failures ----

  @Test
  void put_timeoutAnswer_isOutcomeUnknown_andNotRetried() throws IOException {
    ScriptedServer first = server().then(problem(504, "TIMEOUT", "commit not confirmed"));
    ScriptedServer second = server().otherwise(json(200, entryJson("k", "v", 3, 3)));

    OutcomeUnknownException e =
        catchThrowableOfType(
            OutcomeUnknownException.class, () -> client(first.uri(), second.uri()).put("k", "v"));

    assertThat(e.code()).isEqualTo("TIMEOUT");
    assertThat(e.httpStatus()).isEqualTo(504);
    assertThat(e.traceId()).contains("trace-TIMEOUT");
    assertThat(first.requestCount()).isEqualTo(1);
    assertThat(second.requestCount()).isZero();
    assertThat(time.sleeps()).isEmpty();
  }

  @Test
  void delete_timeoutAnswer_isOutcomeUnknown_andNotRetried() throws IOException {
    ScriptedServer first = server().then(problem(504, "TIMEOUT", "commit not confirmed"));
    ScriptedServer second = server().otherwise(json(200, "{\"key\":\"k\",\"revision\":4}"));

    assertThatThrownBy(() -> client(first.uri(), second.uri()).delete("k"))
        .isInstanceOf(OutcomeUnknownException.class);
    assertThat(first.requestCount() + second.requestCount()).isEqualTo(1);
  }

  @Test
  void get_timeoutAnswer_isRetriedOnNextEndpoint() throws IOException {
    ScriptedServer first = server().then(problem(504, "TIMEOUT", "read index not confirmed"));
    ScriptedServer second = server().then(json(200, entryJson("k", "v", 3, 3)));

    assertThat(client(first.uri(), second.uri()).get("k")).isPresent();
    assertThat(second.requestCount()).isEqualTo(1);
  }

  @Test
  void put_connectionLostAfterSending_isOutcomeUnknown_andNotRetried() throws IOException {
    ScriptedServer first = server().then(hangUp());
    ScriptedServer second = server().otherwise(json(200, entryJson("k", "v", 3, 3)));

    OutcomeUnknownException e =
        catchThrowableOfType(
            OutcomeUnknownException.class, () -> client(first.uri(), second.uri()).put("k", "v"));

    assertThat(e.code()).isEqualTo("TIMEOUT");
    assertThat(e.httpStatus()).isZero();
    assertThat(e.getCause()).isInstanceOf(IOException.class);
    assertThat(first.requestCount()).isEqualTo(1);
    assertThat(second.requestCount()).isZero();
  }

  @Test
  void get_connectionLostAfterSending_isRetried() throws IOException {
    ScriptedServer first = server().then(hangUp());
    ScriptedServer second = server().then(json(200, entryJson("k", "v", 3, 3)));

    assertThat(client(first.uri(), second.uri()).get("k")).isPresent();
  }

  @Test
  void put_requestTimeout_isOutcomeUnknown_andNotRetried() throws IOException {
    ScriptedServer first = server();
    first.then(first.stall());
    ScriptedServer second = server().otherwise(json(200, entryJson("k", "v", 3, 3)));
    // A real (short) timeout: the point is that the JDK's timeout fires, not how long it takes.
    SplitGuardClient client =
        track(
            builder(first.uri(), second.uri())
                .requestTimeout(Duration.ofMillis(100))
                .build());

    assertThatThrownBy(() -> client.put("k", "v"))
        .isInstanceOf(OutcomeUnknownException.class)
        .hasCauseInstanceOf(java.net.http.HttpTimeoutException.class);
    assertThat(first.requestCount()).isEqualTo(1);
    assertThat(second.requestCount()).isZero();
  }

  @Test
  void put_bare500_isOutcomeUnknown_butGetRetriesIt() throws IOException {
    ScriptedServer first =
        server().otherwise(ScriptedServer.respond(500, "text/plain", "boom", Map.of()));
    ScriptedServer second = server().otherwise(json(200, entryJson("k", "v", 3, 3)));
    SplitGuardClient client = client(first.uri(), second.uri());

    OutcomeUnknownException e =
        catchThrowableOfType(OutcomeUnknownException.class, () -> client.put("k", "v"));
    assertThat(e.httpStatus()).isEqualTo(500);
    assertThat(e.getCause()).isInstanceOf(UnexpectedResponseException.class);
    assertThat(second.requestCount()).isZero();

    assertThat(client.get("k")).isPresent();
    assertThat(second.requestCount()).isEqualTo(1);
  }

  // ---- leader-aware writes ----

  private static ScriptedServer.Reply entryNamingLeader(URI leader, long revision) {
    return ScriptedServer.respond(200, "application/json", entryJson("k", "v", revision, 1),
        Map.of("SplitGuard-Leader", leader.getRawAuthority()));
  }

  @Test
  void writesStartOnTheLeaderANodeNamed_readsStayWhereTheyWere() throws IOException {
    ScriptedServer follower = server();
    ScriptedServer leader = server();
    follower.then(entryNamingLeader(leader.uri(), 1)).then(entryNamingLeader(leader.uri(), 2));
    leader.then(entryNamingLeader(leader.uri(), 3));
    SplitGuardClient client = client(follower.uri(), leader.uri());

    client.put("k", "v"); // answered by the follower, which names the leader
    client.get("k"); // reads start where the last call succeeded: the follower
    client.put("k", "v"); // writes start on the leader

    assertThat(follower.requestCount()).isEqualTo(2);
    assertThat(leader.requestCount()).isEqualTo(1);
    assertThat(time.sleeps()).isEmpty();
  }

  @Test
  void aLeaderHintThatFailsIsDropped() throws IOException {
    ScriptedServer follower = server();
    URI gone = ScriptedServer.refusedEndpoint();
    follower.then(entryNamingLeader(gone, 1)).otherwise(json(200, entryJson("k", "v", 2, 1)));
    SplitGuardClient client = client(follower.uri(), gone);

    client.put("k", "v");
    client.put("k", "v"); // tries the named leader, refused, goes on to the follower
    client.put("k", "v"); // the hint is gone: straight to the follower

    assertThat(follower.requestCount()).isEqualTo(3);
    assertThat(time.sleeps()).hasSize(1);
  }

  @Test
  void apWritesAreNotSentToTheLeader() throws IOException {
    ScriptedServer local = server();
    ScriptedServer leader = server();
    local.then(entryNamingLeader(leader.uri(), 1)).otherwise(json(200,
        "{\"keyspace\":\"carts\",\"key\":\"k\",\"type\":\"lww\",\"value\":\"v\",\"node\":\"n1\",\"clock\":{}}"));
    SplitGuardClient client = client(local.uri(), leader.uri());

    client.put("k", "v");
    client.apPut("carts", "k", "v");

    assertThat(leader.requestCount()).isZero();
    assertThat(local.requestCount()).isEqualTo(2);
  }

  // ---- deadline ----

  @Test
  void everyEndpointPartitioned_untilDeadline_throwsUnavailableWithLastCause() throws IOException {
    ScriptedServer a = server().otherwise(problem(503, "PARTITIONED", "no quorum"));
    ScriptedServer b = server().otherwise(problem(503, "PARTITIONED", "no quorum"));
    Duration deadline = Duration.ofSeconds(3);
    SplitGuardClient client = track(builder(a.uri(), b.uri()).deadline(deadline).build());

    UnavailableException e =
        catchThrowableOfType(UnavailableException.class, () -> client.put("k", "v"));

    assertThat(e.code()).isEqualTo("UNAVAILABLE");
    assertThat(e.getCause()).isInstanceOf(PartitionedException.class);
    assertThat(e.attempts()).isEqualTo(a.requestCount() + b.requestCount());
    // Rotation: both nodes were asked, alternately.
    assertThat(a.requestCount() - b.requestCount()).isBetween(0, 1);
    assertThat(b.requestCount()).isGreaterThanOrEqualTo(2);
    assertThat(time.totalSlept()).isLessThan(deadline);
    assertThat(time.sleeps()).allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofSeconds(1)));
    assertThat(time.sleeps()).hasSize(e.attempts() - 1);
  }

  @Test
  void noRetryIsStartedTooLateToFinishBeforeTheDeadline() throws IOException {
    // Retry-After 2 s fits before a 2.1 s deadline but would leave the retry 100 ms: a write cut
    // off there would be ambiguous. The hint is ignored and the call ends with MIN_RETRY_TIME left.
    ScriptedServer minority = server()
        .otherwise(problem(503, "PARTITIONED", "no quorum", "", Map.of("Retry-After", "2")));
    Duration deadline = Duration.ofMillis(2100);
    SplitGuardClient client = track(builder(minority.uri()).deadline(deadline).build());

    UnavailableException e =
        catchThrowableOfType(UnavailableException.class, () -> client.put("k", "v"));

    assertThat(e.getCause()).isInstanceOf(PartitionedException.class);
    assertThat(time.sleeps()).doesNotContain(Duration.ofSeconds(2));
    assertThat(time.totalSlept()).isLessThanOrEqualTo(deadline.minus(SplitGuardClient.MIN_RETRY_TIME));
    assertThat(minority.requestCount()).isEqualTo(e.attempts()).isGreaterThan(1);
  }

  @Test
  void everyEndpointRefused_throwsUnavailableWithConnectExceptionCause() throws IOException {
    SplitGuardClient client =
        track(
            builder(ScriptedServer.refusedEndpoint(), ScriptedServer.refusedEndpoint())
                .deadline(Duration.ofSeconds(2))
                .build());

    UnavailableException e =
        catchThrowableOfType(UnavailableException.class, () -> client.put("k", "v"));

    assertThat(e.getCause()).isInstanceOf(ConnectException.class);
    assertThat(e.attempts()).isGreaterThan(2);
    assertThat(time.totalSlept()).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void interruptedWhileBackingOff_throwsUnavailable_andKeepsTheInterruptFlag() throws IOException {
    ScriptedServer minority = server().otherwise(problem(503, "PARTITIONED", "no quorum"));
    SplitGuardClient client =
        track(
            SplitGuardClient.builder()
                .endpoints(List.of(minority.uri()))
                .sleeper(d -> {
                  throw new InterruptedException("test");
                })
                .ticker(time)
                .build());
    try {
      UnavailableException e =
          catchThrowableOfType(UnavailableException.class, () -> client.put("k", "v"));

      assertThat(e.getCause()).isInstanceOf(InterruptedException.class);
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
      assertThat(minority.requestCount()).isEqualTo(1);
    } finally {
      Thread.interrupted();
    }
  }

  // ---- refusals: never retried ----

  @Test
  void badRequest_throwsWithDetail_andIsNotRetried() throws IOException {
    ScriptedServer first =
        server().then(problem(400, "BAD_REQUEST", "key exceeds 512 bytes (key)"));
    ScriptedServer second = server().otherwise(json(200, entryJson("k", "v", 3, 3)));

    BadRequestException e =
        catchThrowableOfType(
            BadRequestException.class, () -> client(first.uri(), second.uri()).put("k", "v"));

    assertThat(e.detail()).isEqualTo("key exceeds 512 bytes (key)");
    assertThat(e.httpStatus()).isEqualTo(400);
    assertThat(e.code()).isEqualTo("BAD_REQUEST");
    assertThat(e.traceId()).contains("trace-BAD_REQUEST");
    assertThat(e.endpoint()).contains(first.uri());
    assertThat(e).hasMessageContaining("key exceeds 512 bytes");
    assertThat(second.requestCount()).isZero();
    assertThat(time.sleeps()).isEmpty();
  }

  @Test
  void conflict_carriesCurrentRevision_andIsNotRetried() throws IOException {
    ScriptedServer first =
        server()
            .then(
                problem(409, "CONFLICT", "revision mismatch", "\"currentRevision\":7,", Map.of()));
    ScriptedServer second = server().otherwise(json(200, entryJson("k", "v", 3, 3)));

    ConflictException e =
        catchThrowableOfType(
            ConflictException.class,
            () -> client(first.uri(), second.uri()).putIfRevision("k", "v", 5));

    assertThat(e.currentRevision()).hasValue(7);
    assertThat(first.requestCount()).isEqualTo(1);
    assertThat(second.requestCount()).isZero();
  }

  @Test
  void fenced_isNotRetried() throws IOException {
    ScriptedServer first = server().then(problem(409, "FENCED", "token 3 < 5"));
    ScriptedServer second = server().otherwise(json(200, entryJson("k", "v", 3, 3)));

    assertThatThrownBy(() -> client(first.uri(), second.uri()).put("k", "v"))
        .isInstanceOf(FencedException.class);
    assertThat(second.requestCount()).isZero();
  }

  @Test
  void unauthorizedAndForbidden_areAuthExceptions_evenForReads() throws IOException {
    ScriptedServer first =
        server()
            .then(problem(401, "UNAUTHORIZED", "no credentials"))
            .then(problem(403, "FORBIDDEN", "role reader cannot write"));
    ScriptedServer second = server().otherwise(json(200, entryJson("k", "v", 3, 3)));
    SplitGuardClient client = client(first.uri(), second.uri());

    AuthException unauthorized = catchThrowableOfType(AuthException.class, () -> client.get("k"));
    AuthException forbidden = catchThrowableOfType(AuthException.class, () -> client.put("k", "v"));

    assertThat(unauthorized.forbidden()).isFalse();
    assertThat(forbidden.forbidden()).isTrue();
    assertThat(second.requestCount()).isZero();
  }

  @Test
  void malformedSuccessBody_isUnexpectedResponse() throws IOException {
    ScriptedServer node = server().then(json(200, "{\"key\":\"k\",\"value\":\"v\"}"));

    assertThatThrownBy(() -> client(node.uri()).put("k", "v"))
        .isInstanceOf(UnexpectedResponseException.class)
        .hasMessageContaining("revision");
  }

  // ---- lifecycle and configuration ----

  @Test
  void closedClient_rejectsCalls() throws IOException {
    ScriptedServer node = server();
    SplitGuardClient client = client(node.uri());
    client.close();
    client.close();

    assertThatThrownBy(() -> client.get("k")).isInstanceOf(IllegalStateException.class);
    assertThat(node.requestCount()).isZero();
  }

  @Test
  void builder_rejectsMisuse() {
    URI e = URI.create("http://127.0.0.1:1");
    assertThatThrownBy(() -> SplitGuardClient.builder().build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> SplitGuardClient.builder().endpoints(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> SplitGuardClient.builder().endpoints(List.of(e, URI.create("http://127.0.0.1:1/"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("duplicate");
    assertThatThrownBy(() -> SplitGuardClient.builder().endpoints(List.of(URI.create("ftp://h:1"))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SplitGuardClient.builder().requestTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> SplitGuardClient.builder().backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SplitGuardClient.builder().random(1).random(2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("random");
  }

  @Test
  void emptyKey_isRejectedBeforeSending() throws IOException {
    ScriptedServer node = server();

    assertThatThrownBy(() -> client(node.uri()).put("", "v"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(node.requestCount()).isZero();
  }
}
