package io.splitguard.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every kind of bad input gets a clear problem document naming the field, never a 500, and
 * changes nothing; bad start-up configuration is refused with a message and a non-zero exit.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(LocalClusters.Resolver.class)
class BadInputIT {
  private Path dir;
  private LocalCluster cluster;
  private Http http;
  private String url;

  /** Takes {@code clusters} here, not in a test, so that the one cluster serves every test of the class. */
  @BeforeAll
  void startCluster(LocalClusters clusters) throws Exception {
    dir = clusters.dir();
    cluster = clusters.create(3, null);
    cluster.startAll();
    cluster.awaitLeader();
    http = cluster.http;
    url = cluster.url(1);
    assertThat(http.put(url + "/v1/kv/existing", Http.body("original"), null).status()).isEqualTo(200);
  }

  private void assertBadRequest(Http.Response r, String field) {
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.code()).isEqualTo("BAD_REQUEST");
    assertThat(r.json().get("detail").asText()).contains(field);
  }

  private void assertUnchanged() {
    Http.Response r = http.get(url + "/v1/kv/existing");
    assertThat(r.json().get("value").asText()).isEqualTo("original");
    assertThat(r.json().get("revision").asLong()).isEqualTo(1);
    assertThat(http.get(url + "/v1/kv/other").code()).isEqualTo("NOT_FOUND");
  }

  @Test
  void malformedBodiesAreRefusedNamingTheField() {
    assertBadRequest(http.put(url + "/v1/kv/existing", "{\"value\": ", null), "body");
    assertBadRequest(http.put(url + "/v1/kv/existing", "[1,2]", null), "body");
    assertBadRequest(http.put(url + "/v1/kv/existing", "", null), "body");
    assertBadRequest(http.put(url + "/v1/kv/existing", "{}", null), "value");
    assertBadRequest(http.put(url + "/v1/kv/existing", "{\"value\": 42}", null), "value");
    assertBadRequest(http.put(url + "/v1/kv/existing", "{\"value\": null}", null), "value");
    assertBadRequest(http.put(url + "/v1/kv/existing", "{\"value\": \"a\", \"value\": \"b\"}", null), "body");
    assertBadRequest(http.put(url + "/v1/kv/existing", "{\"value\": \"a\", \"ttl\": 5}", null), "ttl");
    assertBadRequest(http.put(url + "/v1/kv/other", "{\"valeu\": \"x\"}", null), "valeu");
    assertUnchanged();
  }

  @Test
  void oversizedKeysAndValuesAreRefused() {
    String longKey = "k".repeat(513);
    assertBadRequest(http.put(url + "/v1/kv/" + longKey, Http.body("x"), null), "key");
    assertBadRequest(http.get(url + "/v1/kv/" + longKey), "key");
    assertThat(http.put(url + "/v1/kv/" + "k".repeat(512), Http.body("x"), null).status()).isEqualTo(200);
    String big = "v".repeat(1024 * 1024 + 1);
    assertBadRequest(http.put(url + "/v1/kv/existing", Http.body(big), null), "value");
    // Multi-byte characters count as UTF-8 bytes: 349,526 x 3 bytes > 1 MiB.
    assertBadRequest(http.put(url + "/v1/kv/existing", Http.body("\u20ac".repeat(349_526)), null), "value");
    // A body far over any value limit is refused before it is read into memory whole.
    assertBadRequest(http.put(url + "/v1/kv/existing", Http.body("v".repeat(8 * 1024 * 1024)), null), "body");
    assertThat(http.put(url + "/v1/kv/big", Http.body("v".repeat(1024 * 1024)), null).status()).isEqualTo(200);
    assertThat(http.get(cluster.url(2) + "/v1/kv/big").json().get("value").asText()).hasSize(1024 * 1024);
    assertUnchanged();
  }

  @Test
  void badQueryHeaderAndPathInputIsRefused() {
    assertBadRequest(http.get(url + "/v1/kv/existing?consistency=eventual"), "consistency");
    assertBadRequest(http.put(url + "/v1/kv/existing", Http.body("x"), "abc"), "If-Match");
    assertBadRequest(http.put(url + "/v1/kv/existing", Http.body("x"), "-1"), "If-Match");
    assertBadRequest(http.delete(url + "/v1/kv/existing", "1.5"), "If-Match");
    assertBadRequest(http.get(url + "/v1/kv/bad%ff"), "UTF-8");
    Http.Response empty = http.get(url + "/v1/kv/");
    assertThat(empty.status()).isIn(400, 404);
    assertThat(empty.contentType()).startsWith("application/problem+json");
    Http.Response unknown = http.get(url + "/v1/nothing-here");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.code()).isEqualTo("NOT_FOUND");
    Http.Response method = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/status"))
        .method("PATCH", HttpRequest.BodyPublishers.noBody()), Duration.ofSeconds(5));
    assertThat(method.status()).isBetween(400, 499);
    assertUnchanged();
  }

  @Test
  void startUpRefusesAnUnknownMemberId() throws Exception {
    Started s = startNode(List.of("node", "--cluster", cluster.clusterFile().toString(), "--id", "n9",
        "--data-dir", dir.resolve("n9").toString()));
    assertThat(s.exit()).isEqualTo(2);
    assertThat(s.output()).contains("--id").contains("n9").contains("n1");
  }

  @Test
  void startUpRefusesAnUnreadableOrMalformedClusterFile() throws Exception {
    Started missing = startNode(List.of("node", "--cluster", dir.resolve("nope.yaml").toString(), "--id", "n1",
        "--data-dir", dir.resolve("x").toString()));
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.output()).contains("nope.yaml");
    Path broken = Files.writeString(dir.resolve("broken.yaml"),
        "cluster:\n  members:\n    - {id: n1, raft: \"127.0.0.1:notaport\", api: \"127.0.0.1:1\"}\n");
    Started malformed = startNode(List.of("node", "--cluster", broken.toString(), "--id", "n1",
        "--data-dir", dir.resolve("x").toString()));
    assertThat(malformed.exit()).isEqualTo(2);
    assertThat(malformed.output()).contains("cluster.members[0]").contains("raft").contains("notaport");
  }

  @Test
  void startUpRefusesUnsafeTimeouts() throws Exception {
    Path unsafe = Files.writeString(dir.resolve("unsafe.yaml"),
        "electionTimeoutMin: 1s\nelectionTimeoutMax: 1s\nrequestTimeout: 1s\n");
    Started s = startNode(List.of("node", "--cluster", cluster.clusterFile().toString(), "--id", "n1",
        "--data-dir", dir.resolve("unsafe").toString(), "--config", unsafe.toString()));
    assertThat(s.exit()).isEqualTo(2);
    assertThat(s.output()).contains("electionTimeoutMax").contains("requestTimeout").contains("1000 ms");
  }

  @Test
  void startUpRefusesFencingThatCannotFinishBeforeAnElection() throws Exception {
    Path unsafe = Files.writeString(dir.resolve("unsafe-fencing.yaml"),
        "fencing:\n  lease: 700ms\n  actuatorTimeout: 400ms\n");
    Started s = startNode(List.of("node", "--cluster", cluster.clusterFile().toString(), "--id", "n1",
        "--data-dir", dir.resolve("unsafe-fencing").toString(), "--config", unsafe.toString()));
    assertThat(s.exit()).isEqualTo(2);
    assertThat(s.output()).contains("fence before elect does not hold")
        .contains("fencing.lease 700 ms").contains("fencing.actuatorTimeout 400 ms")
        .contains("= 1175 ms").contains("electionTimeoutMin (1000 ms)");
    assertThat(dir.resolve("unsafe-fencing").resolve("raft")).doesNotExist();
  }

  @Test
  void aSecondNodeOnTheSameDataDirIsRefused() throws Exception {
    Started s = startNode(List.of("node", "--cluster", cluster.clusterFile().toString(), "--id", "n2",
        "--data-dir", cluster.dataDir(1).toString()));
    assertThat(s.exit()).isEqualTo(1);
    assertThat(s.output()).contains("in use");
    assertUnchanged();
  }

  private record Started(int exit, String output) {}

  private Started startNode(List<String> args) throws Exception {
    Path log = Files.createTempFile(dir, "start", ".log");
    Process p = LocalCluster.launch(log, args);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError("node did not exit; output:\n" + Files.readString(log));
    }
    return new Started(p.exitValue(), Files.readString(log));
  }
}
