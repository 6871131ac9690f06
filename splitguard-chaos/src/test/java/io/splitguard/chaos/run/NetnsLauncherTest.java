package io.splitguard.chaos.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The netns launcher for real, with fake node processes inside the namespaces: partitions are
 * checked from inside (each fake node probes its peers). Needs root and changes the machine's
 * network (namespaces, a bridge, veths, all removed at the end), so it runs only when {@code
 * SPLITGUARD_NETNS_TESTS=1}.
 */
@EnabledIfEnvironmentVariable(named = "SPLITGUARD_NETNS_TESTS", matches = "1")
class NetnsLauncherTest {
  private static final Duration T = Duration.ofMillis(1500);
  private final NodeApi api = new NodeApi(NodeApi.newClient(T), T);

  private String probe(NetnsLauncher cluster, int from, int to) throws InterruptedException {
    NodeApi.Reply r = api.get(cluster.apiUrl(from), "/probe?peer=" + cluster.nodeId(to));
    return r instanceof NodeApi.Reply.Response resp ? resp.body().path("result").asText() : r.toString();
  }

  private boolean answers(NetnsLauncher cluster, int i) throws InterruptedException {
    return api.get(cluster.apiUrl(i), "/v1/status") instanceof NodeApi.Reply.Response r && r.status() == 200;
  }

  private static List<String> ours(String runId) throws IOException {
    CommandRunner run = CommandRunner.system(10);
    List<String> names = new ArrayList<>(NetnsLauncher.namespaceNames(run));
    names.addAll(NetnsLauncher.linkNames(run));
    names.removeIf(n -> !n.startsWith("sg-" + runId + "-"));
    return names;
  }

  @Test
  void partitionsCutNodeToNodeTrafficOnlyAndEverythingIsRemovedAtClose(@TempDir Path dir) throws Exception {
    NodeCommand command = new NodeCommand(NodeCommand.currentJava(), List.of("-Xmx64m"),
        System.getProperty("java.class.path"), FakeNodeMain.class.getName());
    NetnsLauncher cluster = new NetnsLauncher(dir, 3, command, null, System.out::println);
    String runId;
    try {
      cluster.startAll();
      runId = cluster.plan().orElseThrow().runId();
      assertThat(ours(runId)).hasSize(3 + 3 + 1); // namespaces, veths, bridge
      for (int i = 0; i < 3; i++) {
        int index = i;
        await().atMost(Duration.ofSeconds(30)).until(() -> answers(cluster, index));
      }
      assertThat(probe(cluster, 0, 1)).isEqualTo("reachable");

      cluster.partition(List.of(Set.of(0), Set.of(1, 2)));
      assertThat(probe(cluster, 0, 1)).isEqualTo("unreachable");
      assertThat(probe(cluster, 2, 0)).isEqualTo("unreachable");
      assertThat(probe(cluster, 1, 2)).isEqualTo("reachable");
      assertThat(answers(cluster, 0)).as("the harness still reaches the minority").isTrue();

      cluster.healNetwork();
      assertThat(probe(cluster, 0, 1)).isEqualTo("reachable");

      String applied = cluster.slow(new NetworkShaping(Duration.ofMillis(50), Duration.ofMillis(10), 100));
      assertThat(applied).contains("100%");
      assertThat(probe(cluster, 0, 1)).isEqualTo("unreachable"); // 100% loss either way (netem or iptables)
      assertThat(answers(cluster, 0)).as("shaping spares the harness").isTrue();
      cluster.healNetwork();
      assertThat(probe(cluster, 0, 1)).isEqualTo("reachable");

      cluster.pause(2);
      assertThat(probe(cluster, 0, 2)).isEqualTo("unreachable");
      cluster.resume(2);
      assertThat(probe(cluster, 0, 2)).isEqualTo("reachable");
    } finally {
      cluster.close();
    }
    assertThat(ours(runId)).isEmpty();
  }
}
