package io.splitguard.chaos.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NemesisRunnerTest {
  private static final Duration T = Duration.ofMillis(300);

  private List<String> nemesisEvents(Path file) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<String> events = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      JsonNode e = json.readTree(line);
      events.add(e.get("f").asText() + " " + e.get("value").asText() + (e.has("error") ? " ERROR" : ""));
    }
    return events;
  }

  private record Rig(FakeCluster cluster, ClusterProbe probe, RunHistoryWriter history, TextLog log, Path file) implements AutoCloseable {
    @Override
    public void close() throws java.io.IOException {
      probe.close();
      history.close();
      log.close();
      cluster.close();
    }
  }

  private Rig rig(Path dir) throws Exception {
    FakeCluster cluster = new FakeCluster(dir, 3);
    cluster.startAll();
    Path file = dir.resolve("h.jsonl");
    return new Rig(cluster, new ClusterProbe(cluster, new NodeApi(NodeApi.newClient(T), T)),
        new RunHistoryWriter(file, System::nanoTime), new TextLog(dir.resolve("nemesis.log")), file);
  }

  @Test
  void playsTheScheduleResolvingTheLeaderAndHealingWhatItDid(@TempDir Path dir) throws Exception {
    try (Rig r = rig(dir)) {
      NemesisSchedule schedule = new NemesisSchedule("mix", 1, 3, Duration.ofSeconds(1), List.of(
          new Step.Start(Duration.ZERO, new Fault.PauseLeader(2)), new Step.Heal(Duration.ofMillis(20)),
          new Step.Start(Duration.ofMillis(40), new Fault.Kill(Set.of(1, 2))), new Step.Heal(Duration.ofMillis(60)),
          new Step.Start(Duration.ofMillis(80), new Fault.IsolateLeader(1)), new Step.Heal(Duration.ofMillis(100))));
      NemesisRunner runner = new NemesisRunner(schedule, r.cluster(), r.probe(), r.history(), r.log());
      runner.run();
      runner.healAll();
      assertThat(r.cluster().calls()).containsSubsequence(
          "pause 0", "resume 0", "kill 1", "kill 2", "start 1", "start 2", "pause 0", "resume 0");
      r.history().close();
      assertThat(nemesisEvents(r.file())).containsExactly(
          "start pause-leader n1", "stop pause-leader n1",
          "start kill n2,n3", "stop kill n2,n3",
          "start isolate-leader n1", "stop isolate-leader n1");
      assertThat(runner.injected()).isEqualTo(3);
      assertThat(runner.notes()).anyMatch(n -> n.contains("isolate-leader was approximated by pausing"));
      assertThat(Files.readString(dir.resolve("nemesis.log"))).contains("start kill n2,n3").contains("stop isolate-leader n1");
    }
  }

  @Test
  void aFaultThatCannotBeAppliedIsRecordedWithItsErrorAndStillHealed(@TempDir Path dir) throws Exception {
    try (Rig r = rig(dir)) {
      NemesisSchedule schedule = new NemesisSchedule("partition-halves", 1, 3, Duration.ofSeconds(1), List.of(
          new Step.Start(Duration.ZERO, new Fault.Cut("partition-halves", "n1|n2,n3",
              Link.acrossSides(List.of(Set.of(0), Set.of(1, 2))))),
          new Step.Heal(Duration.ofMillis(10))));
      new NemesisRunner(schedule, r.cluster(), r.probe(), r.history(), r.log()).run();
      r.history().close();
      assertThat(nemesisEvents(r.file())).containsExactly("start partition-halves n1|n2,n3 ERROR",
          "stop partition-halves n1|n2,n3");
      assertThat(r.cluster().calls()).contains("healNetwork");
    }
  }

  @Test
  void stopEndsTheScheduleEarlyAndHealAllUndoesTheActiveFault(@TempDir Path dir) throws Exception {
    try (Rig r = rig(dir)) {
      NemesisSchedule schedule = new NemesisSchedule("pause", 1, 3, Duration.ofHours(1), List.of(
          new Step.Start(Duration.ZERO, new Fault.Pause("pause", Set.of(2))), new Step.Heal(Duration.ofHours(1))));
      NemesisRunner runner = new NemesisRunner(schedule, r.cluster(), r.probe(), r.history(), r.log());
      Thread t = new Thread(runner);
      t.start();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> r.cluster().isPaused(2));
      runner.stop();
      t.join(10_000);
      assertThat(t.isAlive()).isFalse();
      runner.healAll();
      assertThat(r.cluster().isPaused(2)).isFalse();
      r.history().close();
      assertThat(nemesisEvents(r.file())).containsExactly("start pause n3", "stop pause n3");
    }
  }
}
