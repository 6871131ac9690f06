package io.splitguard.core.detector;

import static io.splitguard.core.detector.PartitionStatus.DEGRADED;
import static io.splitguard.core.detector.PartitionStatus.HEALTHY;
import static io.splitguard.core.detector.PartitionStatus.PARTITIONED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.splitguard.core.cluster.NodeId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The stable-after debounce: examples, then the properties on random observation sequences.
 * QuickTheories prints the falsifying sequence and its seed; {@code -DQT_SEED=...} replays it.
 */
class StatusDebouncerTest {
  private static final long MS = 1_000_000;
  private static final Duration STABLE = Duration.ofMillis(300);

  @Test
  void aShortBlipIsNotReported_aLastingChangeIsReportedAfterStableAfter() {
    StatusDebouncer d = new StatusDebouncer(STABLE, HEALTHY, 0);
    assertThat(d.observe(DEGRADED, 100 * MS)).isEqualTo(HEALTHY);
    assertThat(d.observe(HEALTHY, 200 * MS)).isEqualTo(HEALTHY); // blip over, never reported
    assertThat(d.observe(DEGRADED, 300 * MS)).isEqualTo(HEALTHY);
    assertThat(d.observe(DEGRADED, 599 * MS)).isEqualTo(HEALTHY);
    assertThat(d.observe(DEGRADED, 600 * MS)).isEqualTo(DEGRADED);
    assertThat(d.reportedSinceNanos()).isEqualTo(600 * MS);
  }

  @Test
  void lossOfQuorumIsReportedAtOnce_andRecoveryIsDebounced() {
    StatusDebouncer d = new StatusDebouncer(STABLE, HEALTHY, 0);
    assertThat(d.observe(PARTITIONED, 1 * MS)).isEqualTo(PARTITIONED);
    assertThat(d.observe(HEALTHY, 2 * MS)).isEqualTo(PARTITIONED);
    assertThat(d.observe(HEALTHY, 301 * MS)).isEqualTo(PARTITIONED);
    assertThat(d.observe(HEALTHY, 302 * MS)).isEqualTo(HEALTHY);
  }

  @Test
  void aCandidateThatChangesRestartsTheClock() {
    StatusDebouncer d = new StatusDebouncer(STABLE, PARTITIONED, 0);
    d.observe(DEGRADED, 0);
    d.observe(HEALTHY, 200 * MS);
    assertThat(d.observe(HEALTHY, 400 * MS)).isEqualTo(PARTITIONED);
    assertThat(d.observe(HEALTHY, 500 * MS)).isEqualTo(HEALTHY);
  }

  @Test
  void theDebouncedViewCarriesTheRawQuorumUndelayed() {
    NodeId b = NodeId.of("b");
    NodeId c = NodeId.of("c");
    PartitionDetector detector = new PartitionDetector(List.of(b, c), DetectorSettings.lan());
    StatusDebouncer debouncer = new StatusDebouncer(STABLE, PARTITIONED, 0);
    long now = 0;
    for (int i = 0; i < 20; i++) {
      now += 100 * MS;
      detector.onHeartbeat(b, now);
      detector.onHeartbeat(c, now);
      debouncer.observe(detector.view(now), now);
    }
    assertThat(debouncer.reported()).isEqualTo(HEALTHY);
    for (int i = 0; i < 30; i++) {
      now += 100 * MS;
      detector.onHeartbeat(b, now);
    }
    // c went silent 3 s ago, but this is the first observation: the raw view says DEGRADED at
    // once, the reported status still says HEALTHY.
    StatusDebouncer.DebouncedView v = debouncer.observe(detector.view(now), now);
    assertThat(v.raw().status()).isEqualTo(DEGRADED);
    assertThat(v.reported()).isEqualTo(HEALTHY);
    assertThat(v.changed()).isFalse();
    assertThat(v.quorum()).isTrue();
    v = debouncer.observe(detector.view(now + 300 * MS), now + 300 * MS);
    assertThat(v.reported()).isEqualTo(DEGRADED);
    assertThat(v.changed()).isTrue();
    assertThat(v.reportedSinceNanos()).isEqualTo(now + 300 * MS);
    // Now b goes silent as well: no quorum, and no delay in either value.
    now += 3000 * MS;
    v = debouncer.observe(detector.view(now), now);
    assertThat(v.quorum()).isFalse();
    assertThat(v.reported()).isEqualTo(PARTITIONED);
  }

  @Test
  void zeroStableAfterReportsEveryChange_andTimeMustNotGoBackwards() {
    StatusDebouncer d = new StatusDebouncer(Duration.ZERO, HEALTHY, 10);
    assertThat(d.observe(DEGRADED, 10)).isEqualTo(DEGRADED);
    assertThat(d.observe(HEALTHY, 10)).isEqualTo(HEALTHY);
    assertThatThrownBy(() -> d.observe(HEALTHY, 9)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new StatusDebouncer(Duration.ofMillis(-1), HEALTHY, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ---- properties ----

  /** One observation: how long after the previous one, and the raw status then. */
  record Obs(long deltaMs, PartitionStatus raw) {}

  private static final PartitionStatus[] STATUSES = PartitionStatus.values();

  private static final Gen<Obs> OBSERVATIONS = integers().between(0, Integer.MAX_VALUE).map(
      a -> new Obs(
          // mostly heartbeat-sized steps, sometimes none (two observations at one instant),
          // sometimes long gaps
          (a % 10 == 0) ? 0 : (a % 10 == 1) ? 400 + (a / 10) % 600 : (a / 10) % 160,
          // HEALTHY and DEGRADED more often than PARTITIONED, in runs so that values can hold
          STATUSES[((a / 1000) % 10) < 5 ? 0 : ((a / 1000) % 10) < 8 ? 1 : 2]));

  private static final Gen<List<Obs>> RUNS = lists().of(OBSERVATIONS).ofSizeBetween(1, 120)
      // Repeat each observation's status a few times so that statuses persist.
      .map(list -> {
        List<Obs> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
          Obs o = list.get(i);
          int repeats = 1 + (int) (o.deltaMs() % 4);
          for (int r = 0; r < repeats; r++) {
            out.add(new Obs(list.get((i + r) % list.size()).deltaMs(), o.raw()));
          }
        }
        return out;
      });

  private static final Gen<Integer> STABLE_MS = integers().between(0, 3).map(
      i -> new int[] {0, 50, 300, 1000}[i]);

  /** The reported statuses and times of one run. */
  private record Trace(long[] t, PartitionStatus[] raw, PartitionStatus[] reported) {}

  private static Trace run(List<Obs> observations, long stableMs) {
    StatusDebouncer d = new StatusDebouncer(Duration.ofMillis(stableMs), HEALTHY, 0);
    int n = observations.size();
    long[] t = new long[n];
    PartitionStatus[] raw = new PartitionStatus[n];
    PartitionStatus[] reported = new PartitionStatus[n];
    long now = 0;
    for (int i = 0; i < n; i++) {
      now += observations.get(i).deltaMs() * MS;
      t[i] = now;
      raw[i] = observations.get(i).raw();
      reported[i] = d.observe(raw[i], now);
    }
    return new Trace(t, raw, reported);
  }

  @Test
  void neverFlapsFasterThanStableAfter_exceptIntoPartitioned() {
    qt().withExamples(2000).forAll(RUNS, STABLE_MS).checkAssert((obs, stableMs) -> {
      Trace tr = run(obs, stableMs);
      long lastChange = 0; // construction counts: the initial status also holds for a while
      PartitionStatus previous = HEALTHY;
      for (int i = 0; i < tr.t().length; i++) {
        if (tr.reported()[i] != previous) {
          if (tr.reported()[i] != PARTITIONED) {
            assertThat(tr.t()[i] - lastChange).as("change %d at %d", i, tr.t()[i])
                .isGreaterThanOrEqualTo(stableMs * MS);
          }
          lastChange = tr.t()[i];
          previous = tr.reported()[i];
        }
      }
    });
  }

  @Test
  void everyChangeIsJustified_byTheSameRawStatusHeldForStableAfter() {
    qt().withExamples(2000).forAll(RUNS, STABLE_MS).checkAssert((obs, stableMs) -> {
      Trace tr = run(obs, stableMs);
      PartitionStatus previous = HEALTHY;
      for (int m = 0; m < tr.t().length; m++) {
        PartitionStatus now = tr.reported()[m];
        if (now != previous) {
          assertThat(tr.raw()[m]).as("a change reports the raw status of its moment").isEqualTo(now);
          if (now != PARTITIONED) {
            // Look back over the uninterrupted run of this raw status ending at m.
            int k = m;
            while (k > 0 && tr.raw()[k - 1] == now) {
              k--;
            }
            assertThat(tr.t()[m] - tr.t()[k]).as("held since observation %d", k)
                .isGreaterThanOrEqualTo(stableMs * MS);
          }
        }
        previous = now;
      }
    });
  }

  @Test
  void aStatusHeldForStableAfterIsReported_andPartitionedIsReportedAtOnce() {
    qt().withExamples(2000).forAll(RUNS, STABLE_MS).checkAssert((obs, stableMs) -> {
      Trace tr = run(obs, stableMs);
      for (int m = 0; m < tr.t().length; m++) {
        if (tr.raw()[m] == PARTITIONED) {
          assertThat(tr.reported()[m]).as("observation %d", m).isEqualTo(PARTITIONED);
        }
        int k = m;
        while (k > 0 && tr.raw()[k - 1] == tr.raw()[m]) {
          k--;
        }
        if (tr.t()[m] - tr.t()[k] >= stableMs * MS) {
          assertThat(tr.reported()[m]).as("observation %d, held since %d", m, k)
              .isEqualTo(tr.raw()[m]);
        }
      }
    });
  }
}
