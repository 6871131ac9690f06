package io.splitguard.bench;

import io.splitguard.core.kv.KvCodec;
import io.splitguard.core.kv.KvCommand;
import io.splitguard.core.kv.KvStore;
import io.splitguard.core.registry.BatchCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Batching of concurrent requests into one Raft log entry: the leader encodes the batch, every
 * replica decodes it when applying, encodes the per-element outcomes, and the leader decodes them
 * to answer each request. Elements are puts of 100-byte values as {@link KvCodec} encodes them
 * alone; outcomes are their encoded results. Measures what batching adds per round, to set
 * against the consensus round and fsync it saves.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BatchCodecBenchmark {

  /** Requests per batch: a lone request, a busy moment, a burst. */
  @Param({"1", "64", "512"})
  public int requests;

  private List<byte[]> elements;
  private byte[] encoded;
  private List<BatchCodec.Outcome> outcomes;
  private byte[] encodedOutcomes;

  /** Encodes {@code requests} distinct puts and their results, and both batches. */
  @Setup
  public void setUp() {
    KvStore store = new KvStore();
    String value = "x".repeat(100);
    elements = new ArrayList<>(requests);
    outcomes = new ArrayList<>(requests);
    for (int i = 0; i < requests; i++) {
      KvCommand put = KvCommand.Put.of("bench-" + i, value);
      elements.add(KvCodec.encodeCommand(put));
      outcomes.add(new BatchCodec.Outcome.Done(KvCodec.encodeResult(store.apply(put))));
    }
    encoded = BatchCodec.encode(elements);
    encodedOutcomes = BatchCodec.encodeOutcomes(outcomes);
  }

  @Benchmark
  public byte[] encode() {
    return BatchCodec.encode(elements);
  }

  @Benchmark
  public List<byte[]> decode() {
    return BatchCodec.decode(encoded);
  }

  @Benchmark
  public byte[] encodeOutcomes() {
    return BatchCodec.encodeOutcomes(outcomes);
  }

  @Benchmark
  public List<BatchCodec.Outcome> decodeOutcomes() {
    return BatchCodec.decodeOutcomes(encodedOutcomes);
  }
}
