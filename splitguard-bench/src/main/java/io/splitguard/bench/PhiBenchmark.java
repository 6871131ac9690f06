package io.splitguard.bench;

import io.splitguard.core.detector.DetectorSettings;
import io.splitguard.core.detector.PhiAccrualDetector;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The phi accrual detector: recording a heartbeat and computing phi, which a node does per peer
 * for every heartbeat and every status query. Time is synthetic (a counter advanced by about one
 * heartbeat interval with jitter), as the detector never reads a clock.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PhiBenchmark {

  private static final long INTERVAL = TimeUnit.MILLISECONDS.toNanos(100);

  private PhiAccrualDetector detector;
  private long now;
  private int jitter;

  /** A detector with a full sample window, as after a few minutes of heartbeats. */
  @Setup
  public void setUp() {
    detector = new PhiAccrualDetector(DetectorSettings.lan());
    for (int i = 0; i < 2000; i++) {
      tick();
      detector.heartbeat(now);
    }
  }

  private void tick() {
    // A cheap deterministic jitter of +-5 ms keeps the deviation realistic.
    jitter = (jitter * 1103515245 + 12345) & 0x7fffffff;
    now += INTERVAL + (jitter % 10_000_000) - 5_000_000;
  }

  @Benchmark
  public void heartbeat() {
    tick();
    detector.heartbeat(now);
  }

  @Benchmark
  public double phi() {
    return detector.phi(now + INTERVAL / 2);
  }
}
