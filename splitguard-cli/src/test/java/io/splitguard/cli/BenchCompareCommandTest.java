package io.splitguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench compare}: rounds of the same phase become medians, metric by metric. */
class BenchCompareCommandTest {

  @TempDir Path dir;

  private static String phase(String target, double throughput, double p50, double p99, int errors) {
    return "{\"target\":\"" + target + "\",\"workload\":\"put\",\"clients\":64,\"ops\":1,"
        + "\"errors\":" + errors + ",\"throughput\":" + throughput
        + ",\"latencyMs\":{\"p50\":" + p50 + ",\"p99\":" + p99 + "}}";
  }

  private void write(Path d, String name, String... phases) throws IOException {
    Files.createDirectories(d);
    Files.writeString(d.resolve(name), "[" + String.join(",", phases) + "]");
  }

  @Test
  void roundsOfOnePhaseAreShownAsMediansWithErrorsSummed() throws IOException {
    Path etcd = dir.resolve("etcd");
    Path sg = dir.resolve("splitguard");
    write(etcd, "load-put-r1.json", phase("etcd", 1000, 10, 50, 0));
    write(etcd, "load-put-r2.json", phase("etcd", 3000, 30, 90, 1));
    write(etcd, "load-put-r3.json", phase("etcd", 2000, 20, 70, 0));
    write(sg, "load-put-r1.json", phase("splitguard", 4000, 5, 40, 2));
    write(sg, "load-put-r2.json", phase("splitguard", 6000, 7, 20, 0));

    Cli.Result r = Cli.run("bench", "compare", "--baseline", etcd.toString(),
        "--candidate", sg.toString(), "--markdown");

    assertThat(r.exitCode()).isZero();
    // etcd: medians 2000 ops/s, p50 20, p99 70; splitguard (two rounds): 5000, 6, 30.
    assertThat(r.out()).contains(
        "| put | 64 | 3 / 2 | 2000.0 | 5000.0 | 2.50x | 20.00 | 6.00 | 70.00 | 30.00 | 0.43x | 1 / 2 |");
  }

  @Test
  void phasesSentToTheLeaderAreAPhaseOfTheirOwn() throws IOException {
    Path etcd = dir.resolve("etcd");
    Path sg = dir.resolve("splitguard");
    String spread = phase("etcd", 1000, 10, 50, 0);
    String toLeader = phase("etcd", 1500, 8, 40, 0).replace("}}", "},\"route\":\"leader\"}");
    write(etcd, "load-put-r1.json", spread);
    write(etcd, "load-put-leader-r1.json", toLeader);
    write(sg, "load-put-r1.json", phase("splitguard", 2000, 5, 30, 0));
    write(sg, "load-put-leader-r1.json",
        phase("splitguard", 3000, 4, 20, 0).replace("}}", "},\"route\":\"leader\"}"));

    Cli.Result r = Cli.run("bench", "compare", "--baseline", etcd.toString(),
        "--candidate", sg.toString(), "--markdown");

    assertThat(r.exitCode()).isZero();
    assertThat(r.out())
        .contains("| put | 64 | 1 / 1 | 1000.0 | 2000.0 | 2.00x |")
        .contains("| put (to the leader) | 64 | 1 / 1 | 1500.0 | 3000.0 | 2.00x |");
  }
}
