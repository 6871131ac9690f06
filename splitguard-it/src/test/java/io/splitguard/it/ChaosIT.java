package io.splitguard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.splitguard.chaos.run.NetnsLauncher;
import io.splitguard.cli.SplitGuardCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos harness on the real product: a short campaign must find no violation, and the same
 * harness must catch a deliberately broken node. Network namespaces are used when the tests run as
 * root (as CI does here), loopback otherwise.
 */
class ChaosIT {
  @TempDir Path dir;

  private record Result(int exit, String out) {}

  private static Result cli(String... args) {
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream tee = new PrintStream(new java.io.OutputStream() {
      @Override
      public void write(int b) {
        captured.write(b);
        stdout.write(b);
      }
    }, true, StandardCharsets.UTF_8);
    System.setOut(tee);
    try {
      int exit = SplitGuardCli.run(args);
      return new Result(exit, captured.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(stdout);
    }
  }

  @Test
  void aShortMixedCampaignOnTheProductFindsNoViolation() throws Exception {
    Result r = cli("chaos", "--mode", "auto", "--nemesis", "mix", "--runs", "2", "--time", "25s",
        "--seed", "20261122", "--out", dir.toString());
    assertThat(r.out()).contains("2/2 runs passed");
    assertThat(r.exit()).isZero();
    try (Stream<Path> files = Files.walk(dir)) {
      List<Path> reports = files.filter(p -> p.getFileName().toString().equals("report.html")).toList();
      assertThat(reports).hasSize(2);
      assertThat(Files.readString(reports.get(0))).contains("bin/splitguard chaos").contains("--seed");
    }
  }

  @Test
  void aShortLocksRunWithPausedNodesFindsNoViolationAndExercisesFencing() throws Exception {
    // Loopback on purpose: it needs no privileges and never touches network namespaces that a
    // concurrent netns campaign on the same host may own.
    Result r = cli("chaos", "--mode", "loopback", "--nodes", "3", "--nemesis", "pause", "--workload", "locks",
        "--runs", "1", "--time", "20s", "--seed", "20261123", "--out", dir.toString());
    assertThat(r.out()).contains("1/1 runs passed").containsPattern("locks=VALID").containsPattern("fencing=VALID");
    assertThat(r.exit()).isZero();
    Path run;
    try (Stream<Path> files = Files.list(dir)) {
      run = files.filter(p -> p.getFileName().toString().startsWith("run-20261123-")).findFirst().orElseThrow();
    }
    String history = Files.readString(run.resolve("history.jsonl"));
    assertThat(history).contains("\"type\":\"ok\",\"f\":\"acquire\"")
        .contains("\"type\":\"ok\",\"f\":\"release\"")
        .contains("\"type\":\"ok\",\"f\":\"guarded-read\"")
        .as("late writes under an old token were refused at the resource").contains("FENCED");
    assertThat(Files.readAllLines(run.resolve("guarded.jsonl"))).as("accepted guarded writes").isNotEmpty();
    assertThat(Files.readString(run.resolve("report.html"))).contains("guarded-write").contains("--workload locks");
  }

  @Test
  void theHarnessCatchesNodesThatServeLinearizableReadsFromLocalState() {
    assumeTrue(NetnsLauncher.isRoot(), "isolating a leader that keeps serving needs network namespaces (root)");
    List<String> args = new ArrayList<>(List.of("chaos", "--mode", "netns", "--nemesis", "isolate-leader",
        "--runs", "2", "--time", "25s", "--seed", "7", "--out", dir.toString(),
        "--node-arg=--test-fault-local-linearizable-reads"));
    Result r = cli(args.toArray(String[]::new));
    assertThat(r.exit()).as("a broken system must fail the campaign").isEqualTo(1);
    assertThat(r.out()).contains("FAIL").containsPattern("linearizab[a-z]*[^\\n]*INVALID");
  }

  @Test
  void checkRejectsAStaleReadAndNamesTheKey() throws Exception {
    Path history = Files.writeString(dir.resolve("bad.jsonl"), String.join("\n",
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"key\":\"k1\",\"value\":\"a\",\"time\":1}",
        "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"key\":\"k1\",\"value\":\"a\",\"time\":2}",
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"key\":\"k1\",\"value\":\"b\",\"time\":3}",
        "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"key\":\"k1\",\"value\":\"b\",\"time\":4}",
        "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"key\":\"k1\",\"value\":null,\"time\":5}",
        "{\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"key\":\"k1\",\"value\":\"a\",\"time\":6}") + "\n");
    Result bad = cli("chaos", "check", "--history", history.toString());
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.out()).contains("k1").contains("INVALID");
    Path good = Files.writeString(dir.resolve("good.jsonl"), String.join("\n",
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"key\":\"k1\",\"value\":\"a\",\"time\":1}",
        "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"key\":\"k1\",\"value\":\"a\",\"time\":2}",
        "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"key\":\"k1\",\"value\":null,\"time\":5}",
        "{\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"key\":\"k1\",\"value\":\"a\",\"time\":6}") + "\n");
    assertThat(cli("chaos", "check", "--history", good.toString()).exit()).isZero();
    Path malformed = Files.writeString(dir.resolve("malformed.jsonl"), "{\"process\":0,\"type\":\"bogus\"}\n");
    assertThat(cli("chaos", "check", "--history", malformed.toString()).exit()).isEqualTo(2);
  }
}
