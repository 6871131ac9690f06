package io.splitguard.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.detector.ConnectivityMatrix;
import io.splitguard.core.detector.DetectorProfile;
import io.splitguard.core.detector.DetectorSettings;
import io.splitguard.core.detector.PartitionStatus;
import io.splitguard.core.detector.PartitionView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Failure detection in simulated clusters, scenario by scenario. Each test runs a fixed seed list
 * plus fresh random seeds (see {@link Seeds}); a failure names the seed that reproduces it.
 */
class SimulationTest {
  private static final long MS = 1_000_000;

  /**
   * How late after a crash the last peer may notice it: the detection bound counts from the last
   * heartbeat, which may still have been on the wire at the crash (the jittery LAN's one-way delay
   * has a long tail), and lost heartbeats raise the fitted mean a little above 100 ms.
   */
  static Duration crashDetectionBound(DetectorSettings settings) {
    return settings.detectionBound().plus(Duration.ofMillis(250));
  }

  static LongStream crashSeeds() {
    return Seeds.withRandom(1, 1L);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("crashSeeds")
  void crashOf1in200_isSuspectedByAll199WithinTheBound_andNobodyElseIsEverSuspected(long seed) {
    String at = Seeds.replay(seed);
    Simulation sim = new Simulation(SimConfig.of(200, seed, NetworkModel.jitteryLan()));
    sim.runFor(Duration.ofSeconds(5));
    assertThat(sim.stats().suspicionsEnded()).as(at + ": " + sim.firstSuspicionEnded()).isZero();
    int victim = new Random(seed).nextInt(200);
    long crashAt = sim.nowNanos();
    sim.crash(victim);
    sim.runFor(Duration.ofSeconds(3));

    DetectorSettings lan = DetectorSettings.lan();
    long bound = crashDetectionBound(lan).toNanos();
    for (int i = 0; i < 200; i++) {
      if (i == victim) {
        continue;
      }
      long suspectedAt =
          sim.estimate(i, victim).orElseThrow().nanosWhenPhiReaches(lan.threshold());
      long latency = suspectedAt - crashAt;
      assertThat(latency).as("%s: n%d noticed the crash of n%d after %d ms", at, i, victim,
          latency / MS).isBetween(lan.acceptablePause().toNanos(), bound);
      assertThat(sim.reaches(i, victim)).as(at).isFalse();
      assertThat(sim.status(i)).as(at).isEqualTo(PartitionStatus.DEGRADED);
      assertThat(sim.reportedStatus(i)).as(at).isEqualTo(PartitionStatus.DEGRADED);
    }
    assertThat(sim.stats().suspicionsEnded()).as(at + ": " + sim.firstSuspicionEnded()).isZero();
  }

  static LongStream seeds() {
    return Seeds.of(1L, 2L, 3L);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void jitterLossAndShortStalls_withoutCrashes_neverSuspectAnyone_atThreshold8(long seed) {
    String at = Seeds.replay(seed);
    // GC-like stalls up to 300 ms, a few per node per minute, on top of jitter and 1% loss.
    NetworkModel network = NetworkModel.jitteryLan()
        .withStalls(new Stalls(3, Duration.ofMillis(60), 1.0, Duration.ofMillis(300)));
    Simulation sim = new Simulation(SimConfig.of(50, seed, network));
    sim.runFor(Duration.ofSeconds(30));

    assertThat(sim.stats().stalls()).as(at).isPositive();
    assertThat(sim.stats().suspicionsEnded()).as(at + ": " + sim.firstSuspicionEnded()).isZero();
    for (int i = 0; i < 50; i++) {
      assertThat(sim.view(i).peers()).as(at).allMatch(PartitionView.PeerView::reachable);
      List<StatusChange> changes = sim.reportedChanges(i);
      // Changes only during start-up, from "heard nobody yet" to HEALTHY (a peer stalled at
      // start may be first heard late), and none after the first second.
      assertThat(changes).as("%s: n%d's reported statuses", at, i).isNotEmpty()
          .allMatch(c -> c.atNanos() < 1000 * MS);
      assertThat(changes.get(changes.size() - 1).status()).as(at)
          .isEqualTo(PartitionStatus.HEALTHY);
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void partition_10vs15_minorityIsPartitioned_majorityDegraded_healRestoresHealthy(long seed) {
    String at = Seeds.replay(seed);
    Simulation sim = new Simulation(SimConfig.of(25, seed, NetworkModel.jitteryLan()));
    List<Integer> nodes = new ArrayList<>(IntStream.range(0, 25).boxed().toList());
    Collections.shuffle(nodes, new Random(seed));
    List<Integer> minority = nodes.subList(0, 10);
    sim.runFor(Duration.ofSeconds(3));
    long partitionAt = sim.nowNanos();
    sim.partition(minority);
    sim.runFor(Duration.ofSeconds(3));

    long lossOfQuorumBound = crashDetectionBound(DetectorSettings.lan()).toNanos()
        + DetectorSettings.lan().heartbeatInterval().toNanos(); // observed at the next tick
    for (int i = 0; i < 25; i++) {
      PartitionView view = sim.view(i);
      if (minority.contains(i)) {
        assertThat(view.status()).as("%s: n%d in the minority", at, i)
            .isEqualTo(PartitionStatus.PARTITIONED);
        assertThat(view.quorum()).as(at).isFalse();
        assertThat(view.peers().stream().filter(PartitionView.PeerView::reachable).count())
            .as(at).isEqualTo(9);
        // Loss of quorum is reported without the debounce delay: at the node's first tick after
        // it suspected the 13th of its 15 majority peers (10 + 15 - 13 = 12 < 13 of 25).
        List<Long> suspected = new ArrayList<>();
        for (int j = 0; j < 25; j++) {
          if (!minority.contains(j)) {
            suspected.add(sim.estimate(i, j).orElseThrow().nanosWhenPhiReaches(8));
          }
        }
        Collections.sort(suspected);
        long quorumLostAt = suspected.get(12);
        StatusChange last = lastChange(sim, i);
        assertThat(last.status()).as(at).isEqualTo(PartitionStatus.PARTITIONED);
        assertThat(last.atNanos() - quorumLostAt).as("%s: n%d reported PARTITIONED late", at, i)
            .isBetween(0L, DetectorSettings.lan().heartbeatInterval().toNanos());
        assertThat(last.atNanos() - partitionAt).as(at).isLessThanOrEqualTo(lossOfQuorumBound);
      } else {
        assertThat(view.status()).as("%s: n%d in the majority", at, i)
            .isEqualTo(PartitionStatus.DEGRADED);
        assertThat(view.quorum()).as(at).isTrue();
        assertThat(sim.reportedStatus(i)).as(at).isEqualTo(PartitionStatus.DEGRADED);
      }
    }

    sim.heal();
    sim.runFor(Duration.ofSeconds(2));
    for (int i = 0; i < 25; i++) {
      assertThat(sim.status(i)).as("%s: n%d after heal", at, i).isEqualTo(PartitionStatus.HEALTHY);
      assertThat(sim.reportedStatus(i)).as(at).isEqualTo(PartitionStatus.HEALTHY);
    }
    // The healed links ended the (correct) suspicions: 2 * 10 * 15 directed links.
    assertThat(sim.stats().suspicionsEnded()).as(at).isEqualTo(300);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void oneWayCut_n0ToN1_n1SeesN0Indirectly_othersSeeTheOneWayLink_aCrashIsUnreachable(long seed) {
    String at = Seeds.replay(seed);
    Simulation sim = new Simulation(
        SimConfig.of(7, seed, NetworkModel.jitteryLan()).withConnectivity(true));
    sim.runFor(Duration.ofSeconds(3));
    sim.cutOneWay(0, 1);
    sim.crash(6);
    sim.runFor(Duration.ofSeconds(3));
    NodeId n0 = sim.id(0);
    NodeId n1 = sim.id(1);

    assertThat(sim.reaches(1, 0)).as(at).isFalse();
    assertThat(sim.reaches(0, 1)).as(at).isTrue();
    ConnectivityMatrix atN1 = sim.connectivity(1);
    assertThat(atN1.indirectlyReachable()).as(at + " " + atN1)
        .containsOnlyKeys(n0);
    assertThat(atN1.indirectlyReachable().get(n0)).as(at)
        .containsExactlyInAnyOrder(sim.id(2), sim.id(3), sim.id(4), sim.id(5));
    assertThat(atN1.unreachable()).as(at).containsExactly(sim.id(6));

    ConnectivityMatrix atN2 = sim.connectivity(2);
    assertThat(atN2.asymmetricLinks()).as(at + " " + atN2)
        .containsExactly(new ConnectivityMatrix.Link(n0, n1));
    assertThat(atN2.indirectlyReachable()).as(at).isEmpty();
    assertThat(atN2.unreachable()).as(at).containsExactly(sim.id(6));
    // n0 still hears everyone alive; n1 misses n0 and n6 but keeps its quorum.
    assertThat(sim.status(0)).as(at).isEqualTo(PartitionStatus.DEGRADED);
    assertThat(sim.view(0).peers().stream().filter(p -> !p.reachable()).map(p -> p.id()))
        .as(at).containsExactly(sim.id(6));
    assertThat(sim.view(1).peers().stream().filter(p -> !p.reachable()).map(p -> p.id()))
        .as(at).containsExactly(n0, sim.id(6));
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void profiles_strictDetectsACrashSoonest_devLast_andOnlyDevToleratesATwoSecondStall(long seed) {
    String at = Seeds.replay(seed);
    double[] medianMs = new double[3];
    long[] suspicionsOfTheStall = new long[3];
    for (DetectorProfile profile : DetectorProfile.values()) {
      SimConfig config =
          SimConfig.of(20, seed, NetworkModel.jitteryLan()).withDetector(profile.settings());
      Simulation sim = new Simulation(config);
      sim.runFor(Duration.ofSeconds(5));
      sim.stall(3, Duration.ofSeconds(2));
      sim.runFor(Duration.ofSeconds(5));
      suspicionsOfTheStall[profile.ordinal()] = sim.stats().suspicionsEnded();
      long crashAt = sim.nowNanos();
      sim.crash(7);
      sim.runFor(Duration.ofSeconds(6));
      List<Long> latencies = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        if (i != 7) {
          latencies.add(sim.estimate(i, 7).orElseThrow()
              .nanosWhenPhiReaches(profile.settings().threshold()) - crashAt);
          assertThat(sim.reaches(i, 7)).as("%s %s", at, profile).isFalse();
        }
      }
      Collections.sort(latencies);
      medianMs[profile.ordinal()] = latencies.get(latencies.size() / 2) / 1e6;
    }
    int lan = DetectorProfile.LAN.ordinal();
    int strict = DetectorProfile.STRICT.ordinal();
    int dev = DetectorProfile.DEV.ordinal();
    assertThat(medianMs[strict]).as(at).isLessThan(medianMs[lan] - 300);
    assertThat(medianMs[dev]).as(at).isGreaterThan(medianMs[lan] + 2000);
    // The stalled node's 19 peers each suspected it once under lan and strict, never under dev.
    assertThat(suspicionsOfTheStall[lan]).as(at).isEqualTo(19);
    assertThat(suspicionsOfTheStall[strict]).as(at).isEqualTo(19);
    assertThat(suspicionsOfTheStall[dev]).as(at).isZero();
  }

  @Test
  void aSeedReproducesARunExactly_andAnotherSeedGivesAnotherRun() {
    long[] a = fingerprint(99);
    long[] b = fingerprint(99);
    long[] c = fingerprint(100);
    assertThat(a).isEqualTo(b);
    assertThat(a).isNotEqualTo(c);
  }

  private static long[] fingerprint(long seed) {
    Simulation sim = new Simulation(SimConfig.of(10, seed, NetworkModel.jitteryLan()
        .withStalls(new Stalls(6, Duration.ofMillis(300), 1.0, Duration.ofSeconds(3)))));
    sim.runFor(Duration.ofSeconds(10));
    sim.crash(4);
    sim.runFor(Duration.ofSeconds(2));
    SimStats s = sim.stats();
    return new long[] {s.events(), s.lost(), s.delivered(), s.suspicionsEnded(), s.stalls(),
        sim.estimate(0, 4).orElseThrow().lastArrivalNanos(),
        Double.doubleToLongBits(sim.estimate(1, 2).orElseThrow().stdDeviationNanos())};
  }

  private static StatusChange lastChange(Simulation sim, int node) {
    List<StatusChange> changes = sim.reportedChanges(node);
    return changes.get(changes.size() - 1);
  }
}
