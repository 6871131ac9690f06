package io.splitguard.bench;

import io.splitguard.core.kv.KvCommand;
import io.splitguard.core.kv.KvResult;
import io.splitguard.core.lock.LockCommand;
import io.splitguard.core.lock.LockResult;
import io.splitguard.core.registry.RegistryState;
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
 * The pure state machine's apply, what every replica runs for every committed entry: a put into
 * a keyspace of {@code keys} keys, a compare-and-set, and a lock keep-alive.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ApplyBenchmark {

  /** Distinct keys in the store; 1000 is the {@code splitguard bench} default. */
  @Param({"1000", "100000"})
  public int keys;

  private RegistryState state;
  private KvCommand[] puts;
  private String[] keyNames;
  private long lockToken;
  private long now = 1_700_000_000_000L;
  private int next;

  /** Fills the store and takes a lock, so that applies overwrite, as in a steady state. */
  @Setup
  public void setUp() {
    state = new RegistryState();
    keyNames = new String[keys];
    puts = new KvCommand[keys];
    String value = "v".repeat(100);
    for (int i = 0; i < keys; i++) {
      keyNames[i] = "bench-" + i;
      puts[i] = KvCommand.Put.of(keyNames[i], value);
      state.apply(puts[i]);
    }
    LockResult r = state.apply(LockCommand.Acquire.of("report", "w1", 60_000).stamped(now));
    lockToken = ((LockResult.Granted) r).lease().token();
  }

  @Benchmark
  public KvResult put() {
    KvCommand c = puts[next];
    next = next + 1 == keys ? 0 : next + 1;
    return state.apply(c);
  }

  @Benchmark
  public KvResult compareAndSet() {
    String key = keyNames[next];
    next = next + 1 == keys ? 0 : next + 1;
    long revision = state.kv().get(key).orElseThrow().modRevision();
    return state.apply(new KvCommand.Put(key, "w", revision));
  }

  @Benchmark
  public LockResult lockKeepAlive() {
    now += 1;
    return state.apply(LockCommand.KeepAlive.of("report", lockToken).stamped(now));
  }
}
