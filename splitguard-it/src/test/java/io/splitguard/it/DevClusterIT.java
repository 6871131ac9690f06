package io.splitguard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code splitguard dev} as the README tells a newcomer to use it: it starts a cluster, stopping
 * it (Ctrl-C, i.e. SIGINT) leaves no node process behind, and data survives a restart in the same
 * directory.
 */
class DevClusterIT {
  @TempDir Path dir;
  private Process dev;

  @AfterEach
  void stop() throws Exception {
    if (dev != null && dev.isAlive()) {
      dev.descendants().forEach(ProcessHandle::destroyForcibly);
      dev.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void devStartsAClusterStopsCleanlyAndKeepsItsData() throws Exception {
    int port = freePortRange();
    Http http = new Http();
    Path out = dir.resolve("dev.out");

    dev = startDev(port, out);
    awaitLeaderLine(out);
    assertThat(Files.readString(out)).contains("http://127.0.0.1:" + port).contains("curl");
    List<ProcessHandle> nodes = dev.descendants().toList();
    assertThat(nodes).hasSize(3);
    assertThat(http.put("http://127.0.0.1:" + (port + 1) + "/v1/kv/kept", Http.body("across restarts"), null).status())
        .isEqualTo(200);

    interrupt(dev);
    assertThat(dev.waitFor(60, TimeUnit.SECONDS)).isTrue();
    await("no node outlives dev").atMost(Duration.ofSeconds(30))
        .until(() -> nodes.stream().noneMatch(ProcessHandle::isAlive));

    Path out2 = dir.resolve("dev2.out");
    dev = startDev(port, out2);
    awaitLeaderLine(out2);
    Http.Response r = await().atMost(Duration.ofSeconds(30))
        .until(() -> http.get("http://127.0.0.1:" + (port + 2) + "/v1/kv/kept"), resp -> resp.status() == 200);
    assertThat(r.json().get("value").asText()).isEqualTo("across restarts");
  }

  @Test
  void killingDevWithSigkillStillLeavesNoNodeBehind() throws Exception {
    int port = freePortRange();
    Path out = dir.resolve("dev.out");
    dev = startDev(port, out);
    awaitLeaderLine(out);
    List<ProcessHandle> nodes = dev.descendants().toList();
    assertThat(nodes).isNotEmpty();
    dev.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    await("nodes exit when dev is gone").atMost(Duration.ofSeconds(30))
        .until(() -> nodes.stream().noneMatch(ProcessHandle::isAlive));
  }

  private Process startDev(int port, Path out) throws IOException {
    return LocalCluster.launch(out, List.of("dev", "--dir", dir.resolve("cluster").toString(),
        "--port", Integer.toString(port)));
  }

  private static void awaitLeaderLine(Path out) {
    await("dev reports a leader").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
        // The last line dev prints once the cluster is ready; earlier lines may still be in flight.
        .until(() -> Files.exists(out) && Files.readString(out).contains("Press Ctrl-C"));
  }

  private static void interrupt(Process p) throws Exception {
    new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).inheritIO().start().waitFor();
  }

  /** A base port whose API ports (+0..+2) and Raft ports (+1000..+1002) are currently free. */
  private static int freePortRange() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int base;
      try (ServerSocket s = new ServerSocket(0)) {
        base = s.getLocalPort();
      }
      if (base + 1003 > 65535) {
        continue;
      }
      if (allFree(base, base + 1, base + 2, base + 1000, base + 1001, base + 1002)) {
        return base;
      }
    }
    throw new IOException("no free port range found");
  }

  private static boolean allFree(int... ports) {
    for (int port : ports) {
      try (ServerSocket s = new ServerSocket(port)) {
        s.setReuseAddress(true);
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }
}
