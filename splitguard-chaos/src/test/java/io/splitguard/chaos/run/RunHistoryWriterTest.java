package io.splitguard.chaos.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunHistoryWriterTest {
  private final ObjectMapper json = new ObjectMapper();

  private List<JsonNode> read(Path file) throws Exception {
    List<JsonNode> events = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      events.add(json.readTree(line));
    }
    return events;
  }

  @Test
  void writesTheContractFormatOneObjectPerLine(@TempDir Path dir) throws Exception {
    AtomicLong clock = new AtomicLong(1_000);
    Path file = dir.resolve("history.jsonl");
    try (RunHistoryWriter w = new RunHistoryWriter(file, clock::get)) {
      clock.set(1_010);
      w.op(3, OpType.INVOKE, "write", "k1", "p3-17", "n2", null);
      clock.set(1_500);
      w.op(3, OpType.OK, "write", "k1", "p3-17", "n2", null);
      w.op(4, OpType.INVOKE, "read", "k2", null, "n1", null);
      w.op(4, OpType.FAIL, "read", "k2", null, "n1", "PARTITIONED");
      w.op(5, OpType.INVOKE, "cas", "k3", Arrays.asList(null, "p5-1"), "n3", null);
      w.op(5, OpType.INFO, "cas", "k3", Arrays.asList(null, "p5-1"), "n3", "timeout");
      w.nemesis("start", "isolate-leader n2", null);
      w.nemesis("stop", "isolate-leader n2", "iptables failed");
    }
    List<String> lines = Files.readAllLines(file);
    assertThat(lines.get(0)).isEqualTo(
        "{\"process\":3,\"type\":\"invoke\",\"f\":\"write\",\"key\":\"k1\",\"value\":\"p3-17\",\"time\":10,\"node\":\"n2\"}");
    assertThat(lines.get(6)).isEqualTo(
        "{\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"start\",\"value\":\"isolate-leader n2\",\"time\":500}");
    List<JsonNode> events = read(file);
    assertThat(events).hasSize(8);
    for (JsonNode e : events) {
      assertThat(e.has("process") && e.has("type") && e.has("f") && e.has("value") && e.has("time")).as(e.toString()).isTrue();
      assertThat(e.get("time").isIntegralNumber()).isTrue();
      if (!e.get("process").isTextual()) {
        assertThat(e.get("process").isInt()).isTrue();
        assertThat(e.get("key").isTextual()).isTrue();
      }
    }
    assertThat(events.get(3).get("error").asText()).isEqualTo("PARTITIONED");
    assertThat(events.get(2).get("value").isNull()).isTrue();
    assertThat(events.get(4).get("value").toString()).isEqualTo("[null,\"p5-1\"]");
    assertThat(events.get(7).get("error").asText()).isEqualTo("iptables failed");
  }

  @Test
  void timesNeverGoBackwardsInTheFile(@TempDir Path dir) throws Exception {
    AtomicLong clock = new AtomicLong(0);
    Path file = dir.resolve("h.jsonl");
    try (RunHistoryWriter w = new RunHistoryWriter(file, clock::get)) {
      clock.set(100);
      w.op(0, OpType.INVOKE, "read", "k1", null, null, null);
      clock.set(50); // a thread that read the clock earlier but got the lock later
      w.op(0, OpType.OK, "read", "k1", "x", null, null);
    }
    List<JsonNode> events = read(file);
    assertThat(events.get(1).get("time").asLong()).isEqualTo(100);
  }

  @Test
  void concurrentWritersProduceWholeOrderedLinesAndCounts(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("h.jsonl");
    RunHistoryWriter w = new RunHistoryWriter(file, System::nanoTime);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int process = t;
      threads.add(new Thread(() -> {
        for (int i = 0; i < 500; i++) {
          w.op(process, OpType.INVOKE, "write", "k" + (i % 5), "p" + process + "-" + i, "n1", null);
          w.op(process, i % 3 == 0 ? OpType.INFO : OpType.OK, "write", "k" + (i % 5), "p" + process + "-" + i, "n1", null);
        }
      }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    w.close();
    List<JsonNode> events = read(file);
    assertThat(events).hasSize(8 * 1000);
    long last = -1;
    for (JsonNode e : events) {
      assertThat(e.get("time").asLong()).isGreaterThanOrEqualTo(last);
      last = e.get("time").asLong();
    }
    assertThat(w.totals().invoke()).isEqualTo(4000);
    assertThat(w.totals().ok() + w.totals().info()).isEqualTo(4000);
    assertThat(w.totals().info()).isEqualTo(8 * 167);
    assertThat(w.countsByFunction()).containsOnlyKeys("write");
  }

  @Test
  void refusesEventsAfterClose(@TempDir Path dir) throws Exception {
    RunHistoryWriter w = new RunHistoryWriter(dir.resolve("h.jsonl"), System::nanoTime);
    w.close();
    assertThatThrownBy(() -> w.nemesis("start", "x", null)).isInstanceOf(IllegalStateException.class);
  }
}
