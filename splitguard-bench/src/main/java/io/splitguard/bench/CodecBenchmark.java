package io.splitguard.bench;

import io.splitguard.core.kv.KvCodec;
import io.splitguard.core.kv.KvCommand;
import io.splitguard.core.kv.KvResult;
import io.splitguard.core.lock.LockCodec;
import io.splitguard.core.lock.LockCommand;
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
 * Encoding and decoding of the commands that travel through the Raft log: every write is encoded
 * once on the node that receives it and decoded once per replica when applied.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {

  /** Value size in bytes; 100 is what {@code splitguard bench} writes by default. */
  @Param({"100", "4096"})
  public int valueSize;

  private KvCommand put;
  private byte[] encodedPut;
  private byte[] encodedResult;
  private LockCommand acquire;
  private byte[] encodedAcquire;

  /** Builds one command of each kind and its encoding. */
  @Setup
  public void setUp() {
    put = new KvCommand.Put("bench-417", "x".repeat(valueSize), 12);
    encodedPut = KvCodec.encodeCommand(put);
    KvResult result = new io.splitguard.core.kv.KvStore().apply(KvCommand.Put.of("bench-417", "x".repeat(valueSize)));
    encodedResult = KvCodec.encodeResult(result);
    acquire = LockCommand.Acquire.of("report", "worker-17", 10_000).stamped(1_700_000_000_000L);
    encodedAcquire = LockCodec.encodeCommand(acquire);
  }

  @Benchmark
  public byte[] kvEncodePut() {
    return KvCodec.encodeCommand(put);
  }

  @Benchmark
  public KvCommand kvDecodePut() {
    return KvCodec.decodeCommand(encodedPut);
  }

  @Benchmark
  public KvResult kvDecodeResult() {
    return KvCodec.decodeResult(encodedResult);
  }

  @Benchmark
  public byte[] lockEncodeAcquire() {
    return LockCodec.encodeCommand(acquire);
  }

  @Benchmark
  public LockCommand lockDecodeAcquire() {
    return LockCodec.decodeCommand(encodedAcquire);
  }
}
