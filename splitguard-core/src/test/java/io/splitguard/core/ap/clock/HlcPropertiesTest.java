package io.splitguard.core.ap.clock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.splitguard.core.cluster.NodeId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Hybrid logical clocks under random message exchange between three nodes whose wall clocks are
 * skewed, jitter and occasionally step backwards; messages are delivered late and out of order.
 * QuickTheories prints the falsifying run and its seed; {@code -DQT_SEED=...} replays it.
 */
class HlcPropertiesTest {
  private static final long MAX_OFFSET_MS = 400;
  private static final List<NodeId> NODES = List.of(NodeId.of("a"), NodeId.of("b"), NodeId.of("c"));

  /** One event: time passes, then node {@code node} stamps, sends, or receives message {@code pick}. */
  record Event(int node, int kind, int advanceMs, int jitterMs, int pick) {}

  private static final Gen<Event> EVENTS = integers().between(0, Integer.MAX_VALUE).zip(
      integers().between(0, Integer.MAX_VALUE),
      (a, b) -> new Event(a % 3, (a / 3) % 3, (a / 9) % 7, b % 51, b / 51));

  private static final Gen<List<Event>> RUNS = lists().of(EVENTS).ofSizeBetween(1, 120);

  /** Per-node skews: {@code narrow} keeps every pair of clocks well within the bound. */
  private static Gen<List<Integer>> skews(int spreadMs) {
    return lists().of(integers().between(-spreadMs, spreadMs)).ofSizeBetween(3, 3);
  }

  record Sent(int from, Hlc stamp) {}

  /** Runs the events; returns the number of refusals. Checks monotonicity, causality and the refusal rule. */
  private static int run(List<Event> events, List<Integer> skew) {
    List<HlcClock> clocks = new ArrayList<>();
    for (NodeId n : NODES) {
      clocks.add(new HlcClock(new HlcSettings(n, Duration.ofMillis(MAX_OFFSET_MS))));
    }
    Hlc[] last = new Hlc[3];
    List<Sent> inFlight = new ArrayList<>();
    Set<Hlc> issued = new HashSet<>();
    long trueTime = 1_000_000;
    int refusals = 0;
    for (Event e : events) {
      trueTime += e.advanceMs();
      // Jitter only subtracts: a clock that steps back a little, as NTP corrections do.
      long wall = trueTime + skew.get(e.node()) - e.jitterMs();
      HlcClock clock = clocks.get(e.node());
      long highestBefore = clock.highestPhysicalMs();
      HlcResult r;
      Hlc received = null;
      if (e.kind() == 2 && !inFlight.isEmpty()) {
        received = inFlight.remove(e.pick() % inFlight.size()).stamp();
        r = clock.update(received, wall);
      } else {
        r = clock.now(wall);
      }
      boolean tooFarBehind = highestBefore - wall > MAX_OFFSET_MS;
      boolean remoteTooFarAhead = received != null && received.physicalMs() - wall > MAX_OFFSET_MS;
      if (r instanceof HlcResult.Refused refused) {
        refusals++;
        assertThat(tooFarBehind || remoteTooFarAhead).as("refused without cause: %s", refused.message()).isTrue();
        assertThat(clock.highestPhysicalMs()).as("a refusal changes nothing").isEqualTo(highestBefore);
        continue;
      }
      assertThat(tooFarBehind || remoteTooFarAhead).as("stamped although a bound was crossed").isFalse();
      Hlc stamp = r.orThrow();
      assertThat(stamp.node()).isEqualTo(NODES.get(e.node()));
      if (last[e.node()] != null) {
        assertThat(stamp).as("monotone on node %d", e.node()).isGreaterThan(last[e.node()]);
      }
      if (received != null) {
        assertThat(stamp).as("receive after send").isGreaterThan(received);
      }
      assertThat(stamp.physicalMs()).as("never behind the wall clock").isGreaterThanOrEqualTo(wall);
      assertThat(stamp.physicalMs() - wall).as("never further ahead than the bound").isLessThanOrEqualTo(MAX_OFFSET_MS);
      assertThat(issued.add(stamp)).as("unique").isTrue();
      last[e.node()] = stamp;
      if (e.kind() == 1) {
        inFlight.add(new Sent(e.node(), stamp));
      }
    }
    return refusals;
  }

  @Test
  void monotoneCausalAndNeverRefusingWhileClocksStayWithinTheBound() {
    // Skews within +-100 ms and jitter up to 50 ms keep every clock within 250 ms of any other
    // reading: below the 400 ms bound, so nothing may be refused.
    qt().withExamples(500).forAll(RUNS, skews(100)).checkAssert((events, skew) ->
        assertThat(run(events, skew)).as("refusals").isZero());
  }

  @Test
  void refusesExactlyWhenABoundIsCrossedWithBadlySkewedClocks() {
    long[] refusals = {0};
    qt().withExamples(500).forAll(RUNS, skews(900)).checkAssert((events, skew) -> refusals[0] += run(events, skew));
    // Otherwise the rule above was never exercised.
    assertThat(refusals[0]).as("refusals over all runs").isPositive();
  }
}
