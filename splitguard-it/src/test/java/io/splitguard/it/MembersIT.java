package io.splitguard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Membership changes on three node JVMs: a demote/promote round trip of a voter through the API
 * keeps the cluster writable throughout, the CLI shows the configuration, and an unsafe removal
 * is refused with a message that says why.
 */
@ExtendWith(LocalClusters.Resolver.class)
class MembersIT {
  private Http.Response post(LocalCluster cluster, String url) {
    return cluster.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")), Duration.ofSeconds(15));
  }

  @Test
  void aDemotePromoteRoundTripKeepsTheClusterWritableAndAnUnsafeRemovalIsRefused(LocalClusters clusters)
      throws Exception {
    LocalCluster cluster = clusters.create(3, null);
    cluster.startAll();
    int leader = cluster.awaitLeader();
    int demoted = (leader + 1) % 3;
    int other = (leader + 2) % 3;
    assertThat(cluster.roles(leader)).containsOnly(Map.entry("n1", "VOTER"), Map.entry("n2", "VOTER"), Map.entry("n3", "VOTER"));

    // A writer through the leader for the whole round trip: every write must succeed.
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread writer = new Thread(() -> {
      int i = 0;
      while (writing.get()) {
        Http.Response r = cluster.http.put(cluster.url(leader) + "/v1/kv/w" + (i % 20), Http.body("v" + i), null);
        if (r.status() == 200) {
          ok.incrementAndGet();
        } else {
          failures.add(r.status() + " " + r.body());
        }
        i++;
      }
    }, "members-it-writer");
    writer.start();
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> ok.get() >= 5);
      String demotedId = LocalCluster.id(demoted);
      Http.Response demote = post(cluster, cluster.url(other) + "/v1/members/" + demotedId + "/demote");
      assertThat(demote.status()).as(demote.body()).isEqualTo(200);
      assertThat(cluster.roles(leader)).containsEntry(demotedId, "LISTENER");
      await("the demoted node knows the new configuration").atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> "LISTENER".equals(cluster.roles(demoted).get(demotedId)));
      await("the demoted node reports the role LISTENER in its status").atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> cluster.http.get(cluster.url(demoted) + "/v1/status").json().get("role").asText().equals("LISTENER"));
      int beforeRefusal = ok.get();
      await().atMost(Duration.ofSeconds(30)).until(() -> ok.get() >= beforeRefusal + 5);

      // Two voters left: removing or demoting either would leave one, fewer than a majority of two.
      String otherId = LocalCluster.id(other);
      Http.Response unsafe = cluster.http.delete(cluster.url(leader) + "/v1/members/" + otherId, null);
      assertThat(unsafe.status()).isEqualTo(409);
      assertThat(unsafe.code()).isEqualTo("CONFLICT");
      assertThat(unsafe.json().get("detail").asText())
          .contains("after removing " + otherId + " 1 voter(s) would remain, fewer than a majority (2) of the 2 voters now");
      assertThat(post(cluster, cluster.url(leader) + "/v1/members/n9/demote").status()).isEqualTo(404);
      assertThat(cluster.roles(leader)).containsEntry(otherId, "VOTER").containsEntry(demotedId, "LISTENER");

      // The CLI shows the configuration.
      Path out = clusters.dir().resolve("members.out");
      Process cli = LocalCluster.launch(out, List.of("members", "list", "--endpoints", cluster.url(leader)));
      assertThat(cli.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(cli.exitValue()).isZero();
      assertThat(Files.readString(out)).containsPattern(demotedId + "\\s+LISTENER").containsPattern(otherId + "\\s+VOTER");

      Http.Response promote = post(cluster, cluster.url(demoted) + "/v1/members/" + demotedId + "/promote");
      assertThat(promote.status()).as(promote.body()).isEqualTo(200);
      assertThat(cluster.roles(other)).containsOnly(Map.entry("n1", "VOTER"), Map.entry("n2", "VOTER"), Map.entry("n3", "VOTER"));
      int afterPromote = ok.get();
      await().atMost(Duration.ofSeconds(30)).until(() -> ok.get() >= afterPromote + 5);
    } finally {
      writing.set(false);
      writer.join(30_000);
    }
    assertThat(failures).as("writes refused during the round trip").isEmpty();
    System.out.printf("membership round trip: %d writes, none refused%n", ok.get());
  }
}
