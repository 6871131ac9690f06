package io.splitguard.chaos.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChaosRunTest {
  private static final NemesisTiming FAST = new NemesisTiming(Duration.ofMillis(200), Duration.ofMillis(400),
      Duration.ofMillis(300), Duration.ofMillis(600), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(500));
  private static final NodeCommand UNUSED = NodeCommand.sameJvm("unused", "unused.Main");

  private ChaosConfig.Builder config(Path out, List<String> progress) {
    return ChaosConfig.builder(UNUSED).nodes(3).mode(LaunchMode.LOOPBACK).nemesis("pause").workload("register")
        .duration(Duration.ofSeconds(3)).seed(77).outputDir(out).clients(3).requestTimeout(Duration.ofMillis(300))
        .thinkTime(Duration.ofMillis(5)).startupTimeout(Duration.ofSeconds(10)).timing(FAST).progress(progress::add);
  }

  @Test
  void aNodesSplitBrainSuspicionIsCarriedIntoTheResultAndNotes(@TempDir Path out) throws Exception {
    RunResult clean = ChaosRun.execute(config(out, new CopyOnWriteArrayList<>()).build(),
        (cfg, runDir) -> new FakeCluster(runDir, cfg.nodes()));
    assertThat(clean.splitBrainSuspicions()).isZero();
    assertThat(Files.readString(clean.nemesisLog())).contains("self-fencings per node: n1=1 n2=1 n3=1");
    RunResult suspicious = ChaosRun.execute(config(out, new CopyOnWriteArrayList<>()).build(), (cfg, runDir) -> {
      FakeCluster f = new FakeCluster(runDir, cfg.nodes());
      f.reportSplitBrain(2);
      return f;
    });
    assertThat(suspicious.splitBrainSuspicions()).isEqualTo(2);
    assertThat(suspicious.notes()).anyMatch(n -> n.contains("n1 suspected split brain 2 time(s)"));
  }

  @Test
  void aRunAgainstAFakeClusterRecordsACompleteWellFormedHistory(@TempDir Path out) throws Exception {
    List<String> progress = new CopyOnWriteArrayList<>();
    AtomicReference<FakeCluster> fake = new AtomicReference<>();
    RunResult result = ChaosRun.execute(config(out, progress).build(), (cfg, runDir) -> {
      fake.set(new FakeCluster(runDir, cfg.nodes()));
      return fake.get();
    });

    assertThat(result.runDir()).isEqualTo(out.resolve("run-77-1"));
    assertThat(result.historyFile()).isEqualTo(result.runDir().resolve("history.jsonl")).exists();
    assertThat(result.runDir().resolve("run.json")).exists();
    assertThat(Files.readString(result.nemesisLog())).contains("seed 77").contains("planned schedule").contains("start pause");
    assertThat(result.nodeLogs()).hasSize(3);
    assertThat(progress.get(0)).contains("seed=77").contains("nemesis=pause").contains(result.runDir().toString());
    assertThat(progress).anyMatch(l -> l.contains(result.summary()));
    assertThat(fake.get().calls()).contains("startAll", "close").anyMatch(c -> c.startsWith("pause"))
        .anyMatch(c -> c.startsWith("resume"));

    ObjectMapper json = new ObjectMapper();
    List<JsonNode> events = new ArrayList<>();
    for (String line : Files.readAllLines(result.historyFile())) {
      events.add(json.readTree(line)); // every line parses
    }
    Map<Integer, JsonNode> open = new HashMap<>();
    Set<Integer> retired = new HashSet<>();
    long invokes = 0;
    long lastTime = -1;
    int starts = 0;
    int stops = 0;
    int lastStop = -1;
    for (int i = 0; i < events.size(); i++) {
      JsonNode e = events.get(i);
      assertThat(e.get("time").asLong()).isGreaterThanOrEqualTo(lastTime);
      lastTime = e.get("time").asLong();
      if (e.get("process").isTextual()) {
        assertThat(e.get("process").asText()).isEqualTo("nemesis");
        if (e.get("f").asText().equals("start")) {
          assertThat(starts).isEqualTo(stops);
          starts++;
        } else {
          stops++;
          lastStop = i;
        }
        continue;
      }
      int p = e.get("process").asInt();
      assertThat(retired).as("a process never acts after an info").doesNotContain(p);
      assertThat(e.get("f").asText()).isIn("read", "write", "cas");
      assertThat(e.get("key").asText()).matches("k[1-5]");
      assertThat(e.get("node").asText()).matches("n[1-3]");
      if (e.get("type").asText().equals("invoke")) {
        assertThat(open).as("one operation at a time per process").doesNotContainKey(p);
        open.put(p, e);
        invokes++;
      } else {
        JsonNode invoke = open.remove(p);
        assertThat(invoke).as("completion without invocation: " + e).isNotNull();
        assertThat(e.get("f")).isEqualTo(invoke.get("f"));
        assertThat(e.get("key")).isEqualTo(invoke.get("key"));
        if (e.get("type").asText().equals("info")) {
          retired.add(p);
        }
        if (!e.get("f").asText().equals("read")) {
          assertThat(e.get("value")).isEqualTo(invoke.get("value"));
        }
      }
    }
    assertThat(open).as("every operation completed").isEmpty();
    assertThat(starts).isEqualTo(stops).isEqualTo(result.faultsInjected()).isGreaterThan(0);
    assertThat(invokes).isEqualTo(result.totals().invoke()).isGreaterThan(50);
    assertThat(result.totals().ok() + result.totals().fail() + result.totals().info()).isEqualTo(invokes);
    assertThat(result.totals().info() + result.totals().fail()).as("the pauses were felt").isGreaterThan(0);
    assertThat(result.byFunction()).containsKeys("read", "write", "cas");

    // after the last heal, a successful read of every key
    Set<String> finalReads = new HashSet<>();
    for (JsonNode e : events.subList(lastStop + 1, events.size())) {
      if (e.get("type").asText().equals("ok") && e.get("f").asText().equals("read")) {
        finalReads.add(e.get("key").asText());
      }
    }
    assertThat(finalReads).containsExactlyInAnyOrder("k1", "k2", "k3", "k4", "k5");
  }

  @Test
  void aClusterWithoutLeaderFailsTheRunAndIsStillClosed(@TempDir Path out) {
    AtomicReference<FakeCluster> fake = new AtomicReference<>();
    ChaosConfig cfg = config(out, new ArrayList<>()).startupTimeout(Duration.ofMillis(300)).build();
    assertThatThrownBy(() -> ChaosRun.execute(cfg, (c, runDir) -> {
      fake.set(new FakeCluster(runDir, c.nodes()) {
        @Override
        public void startAll() {
          // never serve: no status, no leader
        }
      });
      return fake.get();
    })).isInstanceOf(IOException.class).hasMessageContaining("no leader");
    assertThat(fake.get().calls()).contains("close");
  }

  @Test
  void runDirectoriesAreNumberedPerSeed(@TempDir Path out) throws Exception {
    assertThat(ChaosRun.createRunDir(out, 5)).isEqualTo(out.resolve("run-5-1"));
    assertThat(ChaosRun.createRunDir(out, 5)).isEqualTo(out.resolve("run-5-2"));
    assertThat(ChaosRun.createRunDir(out, -3)).isEqualTo(out.resolve("run--3-1"));
  }

  @Test
  void configRefusesWhatCannotRun(@TempDir Path out) {
    assertThatThrownBy(() -> config(out, new ArrayList<>()).nemesis("partition-halves").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--mode netns");
    assertThat(config(out, new ArrayList<>()).nemesis("partition-halves").mode(LaunchMode.NETNS).build().nemesis())
        .isEqualTo("partition-halves");
    assertThatThrownBy(() -> config(out, new ArrayList<>()).nodes(4).build()).hasMessageContaining("3, 5");
    assertThat(config(out, new ArrayList<>()).workload("locks").build().keys()).as("the locks workload's default").isEqualTo(2);
    assertThat(config(out, new ArrayList<>()).build().keys()).as("the register workload's default").isEqualTo(5);
    assertThat(config(out, new ArrayList<>()).workload("guarded").keys(3).build().keys()).isEqualTo(3);
    assertThatThrownBy(() -> config(out, new ArrayList<>()).workload("bank").build())
        .hasMessageContaining("register").hasMessageContaining("locks");
    assertThatThrownBy(() -> config(out, new ArrayList<>()).clients(0).build()).hasMessageContaining("clients");
    assertThatThrownBy(() -> config(out, new ArrayList<>()).duration(Duration.ZERO).build()).hasMessageContaining("duration");
  }
}
