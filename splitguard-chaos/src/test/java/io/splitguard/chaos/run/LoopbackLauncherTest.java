package io.splitguard.chaos.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loopback launcher against real processes of a fake node program. */
class LoopbackLauncherTest {
  private static final Duration T = Duration.ofMillis(500);
  private final NodeApi api = new NodeApi(NodeApi.newClient(T), T);

  private boolean answers(LoopbackLauncher cluster, int i) throws InterruptedException {
    return api.get(cluster.apiUrl(i), "/v1/status") instanceof NodeApi.Reply.Response r && r.status() == 200;
  }

  @Test
  void startsPausesResumesKillsAndRestartsRealProcesses(@TempDir Path dir) throws Exception {
    NodeCommand command = new NodeCommand(NodeCommand.currentJava(), List.of("-Xmx64m"),
        System.getProperty("java.class.path"), FakeNodeMain.class.getName());
    long pid0;
    LoopbackLauncher cluster = new LoopbackLauncher(dir, 3, command, "heartbeatInterval: 100ms\n");
    try {
      cluster.startAll();
      assertThat(Files.readString(dir.resolve("cluster.yaml"))).contains("{id: n3, raft: \"127.0.0.1:");
      assertThat(dir.resolve("node.yaml")).hasContent("heartbeatInterval: 100ms");
      for (int i = 0; i < 3; i++) {
        int index = i;
        await().atMost(Duration.ofSeconds(30)).until(() -> answers(cluster, index));
      }
      try (ClusterProbe probe = new ClusterProbe(cluster, api)) {
        assertThat(probe.agreedLeader()).contains(0);
      }

      cluster.pause(1);
      assertThat(cluster.isPaused(1)).isTrue();
      assertThat(api.get(cluster.apiUrl(1), "/v1/status")).isEqualTo(new NodeApi.Reply.NoResponse("timeout"));
      cluster.resume(1);
      await().atMost(Duration.ofSeconds(10)).until(() -> answers(cluster, 1));

      pid0 = cluster.pid(0);
      cluster.kill(0);
      assertThat(cluster.isRunning(0)).isFalse();
      assertThat(api.get(cluster.apiUrl(0), "/v1/status")).isInstanceOf(NodeApi.Reply.NoResponse.class);
      cluster.start(0);
      assertThat(cluster.pid(0)).isNotEqualTo(pid0);
      await().atMost(Duration.ofSeconds(30)).until(() -> answers(cluster, 0));
      assertThat(Files.readAllLines(cluster.dataDir(0).resolve("starts"))).as("same data dir").hasSize(2);
      assertThat(Files.readString(cluster.logFile(0))).contains("fake node n1 listening");

      cluster.pause(2); // close must also stop a paused node
      assertThatThrownBy(() -> cluster.cut(Set.of(new Link(0, 1)))).isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("netns");
    } finally {
      cluster.close();
    }
    for (int i = 0; i < 3; i++) {
      assertThat(cluster.isRunning(i)).isFalse();
    }
    assertThat(ProcessHandle.of(pid0)).isEmpty();
  }
}
