package io.splitguard.chaos.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer produces exactly what the reader reads, line by line, also from many threads. */
class HistoryWriterTest {

  @Test
  void writesTheExactFormat() throws IOException {
    StringWriter out = new StringWriter();
    try (HistoryWriter w = new HistoryWriter(out)) {
      w.invoke(3, Fn.CAS, "k1", Value.cas("a", "b"), 100);
      w.complete(3, EventType.FAIL, Fn.CAS, "k1", Value.cas("a", "b"), 200, Map.of("error", "CONFLICT"));
      w.nemesis("start", "isolate-leader n2", 300);
      w.invoke(4, Fn.READ, "k1", Value.MISSING, 400);
      w.complete(4, EventType.OK, Fn.READ, "k1", Value.MISSING, 500);
    }
    assertThat(out.toString()).isEqualTo("""
        {"process":3,"type":"invoke","f":"cas","key":"k1","value":["a","b"],"time":100}
        {"process":3,"type":"fail","f":"cas","key":"k1","value":["a","b"],"time":200,"error":"CONFLICT"}
        {"process":"nemesis","type":"info","f":"start","value":"isolate-leader n2","time":300}
        {"process":4,"type":"invoke","f":"read","key":"k1","value":null,"time":400}
        {"process":4,"type":"ok","f":"read","key":"k1","value":null,"time":500}
        """);
  }

  @Test
  void roundTripsRandomEvents(@TempDir Path dir) throws IOException {
    long seed = new Random().nextLong();
    Random rnd = new Random(seed);
    List<HistoryEvent> events = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      if (rnd.nextInt(10) == 0) {
        events.add(new NemesisEvent(EventType.INFO, "f" + rnd.nextInt(3), rnd.nextBoolean() ? null : "v\"\n" + i,
            rnd.nextLong(), Map.of("n", "x" + i)));
        continue;
      }
      Fn f = Fn.values()[rnd.nextInt(Fn.values().length)];
      Value v = switch (f) {
        case READ, GUARDED_READ -> rnd.nextBoolean() ? Value.MISSING : Value.of("r" + i);
        case WRITE, GUARDED_WRITE -> Value.of("w\u00e9\u4e2d" + i);
        case CAS -> Value.cas(rnd.nextBoolean() ? null : "e" + i, "n" + i);
        case ACQUIRE -> Value.of("owner-" + i);
        case RELEASE -> Value.MISSING;
      };
      OptionalLong token = f.isRegister() ? OptionalLong.empty() : OptionalLong.of(1 + rnd.nextInt(1000));
      events.add(new ClientEvent(rnd.nextInt(100), EventType.values()[rnd.nextInt(4)], f, "k" + rnd.nextInt(5), v,
          rnd.nextLong(), token, rnd.nextBoolean() ? Map.of() : Map.of("node", "n" + rnd.nextInt(3))));
    }
    Path file = dir.resolve("history.jsonl");
    try (HistoryWriter w = HistoryWriter.open(file)) {
      events.forEach(w::write);
    }
    assertThat(HistoryReader.read(file)).as("seed %d", seed).isEqualTo(events);
  }

  @Test
  void concurrentWritersNeverInterleaveWithinALine(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("history.jsonl");
    int threads = 8;
    int perThread = 500;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    try (HistoryWriter w = HistoryWriter.open(file)) {
      for (int t = 0; t < threads; t++) {
        int process = t;
        pool.submit(() -> {
          go.await();
          for (int i = 0; i < perThread; i++) {
            String value = "p" + process + "-" + i + "-" + "x".repeat(200);
            w.invoke(process, Fn.WRITE, "k" + (i % 3), Value.of(value), System.nanoTime());
            w.complete(process, EventType.OK, Fn.WRITE, "k" + (i % 3), Value.of(value), System.nanoTime());
          }
          return null;
        });
      }
      go.countDown();
      pool.shutdown();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
    History h = HistoryReader.readHistory(file);
    assertThat(h.operations()).hasSize(threads * perThread).allMatch(op -> op.outcome() == Outcome.OK);
  }

  @Test
  void eachCallIsFlushedAtOnce(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("history.jsonl");
    try (HistoryWriter w = HistoryWriter.open(file)) {
      w.invoke(1, Fn.WRITE, "k", Value.of("a"), 1);
      // Readable by someone else before close: a crashed runner leaves a usable prefix.
      assertThat(HistoryReader.read(file)).hasSize(1);
    }
  }

  @Test
  void misuseIsRejected() throws IOException {
    HistoryWriter w = new HistoryWriter(new StringWriter());
    assertThatThrownBy(() -> w.complete(1, EventType.INVOKE, Fn.READ, "k", Value.MISSING, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> w.complete(1, EventType.OK, Fn.READ, "k", Value.MISSING, 1, Map.of("time", 5)))
        .hasMessageContaining("clashes");
    w.close();
    w.close();
    assertThatThrownBy(() -> w.nemesis("stop", "heal", 2)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void guardedWritesRoundTrip(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("guarded.jsonl");
    List<GuardedWrite> writes = List.of(
        GuardedWrite.of("r1", 1, "a", 3, 10, 20),
        new GuardedWrite("r2", 7, null, 30, java.util.OptionalInt.empty(), java.util.OptionalLong.empty()));
    try (GuardedWriter w = GuardedWriter.open(file)) {
      writes.forEach(w::accepted);
    }
    assertThat(Files.readAllLines(file)).containsExactly(
        "{\"resource\":\"r1\",\"token\":1,\"value\":\"a\",\"time\":20,\"process\":3,\"invokeTime\":10}",
        "{\"resource\":\"r2\",\"token\":7,\"value\":null,\"time\":30}");
    assertThat(HistoryReader.readGuarded(file)).isEqualTo(writes);
    assertThat(HistoryReader.read(new StringReader(""))).isEmpty();
  }
}
