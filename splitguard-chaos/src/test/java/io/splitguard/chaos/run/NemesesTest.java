package io.splitguard.chaos.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class NemesesTest {
  private static final Duration RUN = Duration.ofSeconds(60);

  private static List<String> names(LaunchMode mode) {
    return Nemeses.supported(mode);
  }

  @Test
  void sameSeedGivesTheSameScheduleForEveryNemesisAndMode() {
    for (LaunchMode mode : LaunchMode.values()) {
      for (String name : names(mode)) {
        for (int nodes : new int[] {3, 5}) {
          NemesisSchedule a = Nemeses.plan(Nemeses.named(name, mode), 42, nodes, RUN, NemesisTiming.DEFAULT);
          NemesisSchedule b = Nemeses.plan(Nemeses.named(name, mode), 42, nodes, RUN, NemesisTiming.DEFAULT);
          assertThat(a).as(name + " " + mode + " " + nodes).isEqualTo(b);
          assertThat(a.describe()).isEqualTo(b.describe());
        }
      }
    }
  }

  @Test
  void differentSeedsGiveDifferentSchedules() {
    for (String name : names(LaunchMode.NETNS)) {
      if (name.equals("none")) {
        continue;
      }
      Set<List<String>> seen = new HashSet<>();
      for (long seed = 0; seed < 5; seed++) {
        seen.add(Nemeses.plan(Nemeses.named(name, LaunchMode.NETNS), seed, 5, RUN, NemesisTiming.DEFAULT).describe());
      }
      assertThat(seen).as(name).hasSizeGreaterThan(1);
    }
  }

  @Test
  void everyScheduleAlternatesFaultAndHealEndsHealedAndLeavesAQuietTail() {
    qt().withExamples(300).forAll(longs().all(), integers().between(0, names(LaunchMode.NETNS).size() - 1),
        integers().between(2, 120)).checkAssert((seed, which, seconds) -> {
          String name = names(LaunchMode.NETNS).get(which);
          Duration duration = Duration.ofSeconds(seconds);
          NemesisSchedule s = Nemeses.plan(Nemeses.named(name, LaunchMode.NETNS), seed, 5, duration, NemesisTiming.DEFAULT);
          List<Step> steps = s.steps();
          for (int i = 0; i < steps.size(); i++) {
            assertThat(steps.get(i)).isInstanceOf(i % 2 == 0 ? Step.Start.class : Step.Heal.class);
          }
          if (!steps.isEmpty()) {
            Step last = steps.get(steps.size() - 1);
            assertThat(last).isInstanceOf(Step.Heal.class);
            assertThat(last.at()).isLessThanOrEqualTo(duration.minus(NemesisTiming.DEFAULT.finalQuietFor(duration)));
            assertThat(steps.get(0).at()).isGreaterThanOrEqualTo(NemesisTiming.DEFAULT.quietMin());
          }
        });
  }

  @Test
  void singleFaultWindowsLastBetweenFaultMinAndFaultMaxWithQuietGaps() {
    NemesisTiming t = NemesisTiming.DEFAULT;
    for (long seed = 0; seed < 50; seed++) {
      List<Step> steps = Nemeses.plan(Nemeses.named("partition-halves", LaunchMode.NETNS), seed, 3, Duration.ofMinutes(5), t).steps();
      assertThat(steps).isNotEmpty();
      for (int i = 0; i + 1 < steps.size(); i += 2) {
        Duration length = steps.get(i + 1).at().minus(steps.get(i).at());
        assertThat(length).isBetween(t.faultMin(), t.faultMax());
        if (i + 2 < steps.size()) {
          assertThat(steps.get(i + 2).at().minus(steps.get(i + 1).at())).isBetween(t.quietMin(), t.quietMax());
        }
      }
    }
  }

  @Test
  void flappingTogglesSeveralTimesWithinAWindow() {
    NemesisSchedule s = Nemeses.plan(Nemeses.named("flapping", LaunchMode.NETNS), 7, 3, RUN, NemesisTiming.DEFAULT);
    assertThat(s.faults()).isGreaterThan(s.steps().size() / 2 - 1).isGreaterThanOrEqualTo(6);
    for (int i = 0; i + 1 < s.steps().size(); i += 2) {
      Duration on = s.steps().get(i + 1).at().minus(s.steps().get(i).at());
      assertThat(on).isLessThanOrEqualTo(NemesisTiming.DEFAULT.flapMax());
    }
  }

  @Test
  void aShortRunHasNoFaultsButIsStillValid() {
    NemesisSchedule s = Nemeses.plan(Nemeses.named("kill", LaunchMode.LOOPBACK), 1, 3, Duration.ofSeconds(3), NemesisTiming.DEFAULT);
    assertThat(s.steps()).isEmpty();
  }

  @Test
  void loopbackRefusesNetworkNemesesAndSaysWhatToUse() {
    for (String name : List.of("partition-halves", "bridge", "majorities-ring", "one-way", "flapping", "slow-network")) {
      assertThatThrownBy(() -> Nemeses.requireSupported(name, LaunchMode.LOOPBACK))
          .as(name).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("netns").hasMessageContaining("pause, kill, pause-leader");
    }
    assertThat(Nemeses.supported(LaunchMode.LOOPBACK))
        .containsExactlyInAnyOrder("isolate-leader", "pause", "kill", "pause-leader", "mix", "none");
    assertThat(Nemeses.supported(LaunchMode.NETNS)).containsExactlyElementsOf(Nemeses.NAMES);
  }

  @Test
  void mixInLoopbackOnlyChoosesSignalFaults() {
    for (long seed = 0; seed < 30; seed++) {
      NemesisSchedule s = Nemeses.plan(Nemeses.named("mix", LaunchMode.LOOPBACK), seed, 5, RUN, NemesisTiming.DEFAULT);
      for (Step step : s.steps()) {
        if (step instanceof Step.Start start) {
          assertThat(start.fault().needsNetwork()).as(start.fault().describe()).isFalse();
        }
      }
    }
    Set<String> chosen = new TreeSet<>();
    for (long seed = 0; seed < 30; seed++) {
      for (Step step : Nemeses.plan(Nemeses.named("mix", LaunchMode.NETNS), seed, 5, RUN, NemesisTiming.DEFAULT).steps()) {
        if (step instanceof Step.Start start) {
          chosen.add(start.fault().nemesis());
        }
      }
    }
    assertThat(chosen).contains("partition-halves", "bridge", "kill", "pause", "slow-network", "flapping");
  }

  @Test
  void unknownNemesisListsTheKnownOnes() {
    assertThatThrownBy(() -> Nemeses.named("partition-thirds", LaunchMode.NETNS))
        .hasMessageContaining("partition-halves").hasMessageContaining("mix");
  }

  // ---- fault shapes ---------------------------------------------------------------------------

  private static Set<Integer> seenBy(Set<Link> cut, int node, int nodes) {
    Set<Integer> seen = new TreeSet<>();
    for (int other = 0; other < nodes; other++) {
      if (other == node || (!cut.contains(new Link(node, other)) && !cut.contains(new Link(other, node)))) {
        seen.add(other);
      }
    }
    return seen;
  }

  @Test
  void halvesCutAMinorityFromTheMajorityInBothDirections() {
    for (int nodes : new int[] {3, 5}) {
      for (long seed = 0; seed < 20; seed++) {
        Fault.Cut cut = Nemeses.halves(new SplittableRandom(seed), nodes);
        int small = nodes / 2;
        assertThat(cut.links()).hasSize(2 * small * (nodes - small));
        for (Link l : cut.links()) {
          assertThat(cut.links()).contains(new Link(l.to(), l.from()));
        }
        assertThat(cut.topology()).matches("n\\d(,n\\d)*\\|n\\d(,n\\d)*");
      }
    }
  }

  @Test
  void bridgeNodeSeesEveryoneAndTheSidesSeeOnlyTheirOwnAndTheBridge() {
    for (int nodes : new int[] {3, 5}) {
      for (long seed = 0; seed < 20; seed++) {
        Fault.Cut cut = Nemeses.bridge(new SplittableRandom(seed), nodes);
        List<Integer> seeAll = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
          Set<Integer> seen = seenBy(cut.links(), i, nodes);
          if (seen.size() == nodes) {
            seeAll.add(i);
          } else {
            assertThat(seen.size()).isLessThanOrEqualTo(nodes / 2 + 1);
          }
        }
        assertThat(seeAll).as(cut.describe()).hasSize(1);
        assertThat(cut.topology()).endsWith("via n" + (seeAll.get(0) + 1));
      }
    }
  }

  @Test
  void majoritiesRingGivesEveryNodeADifferentMajority() {
    for (int nodes : new int[] {3, 5, 7}) {
      for (long seed = 0; seed < 20; seed++) {
        Fault.Cut cut = Nemeses.majoritiesRing(new SplittableRandom(seed), nodes);
        Set<Set<Integer>> views = new HashSet<>();
        for (int i = 0; i < nodes; i++) {
          Set<Integer> seen = seenBy(cut.links(), i, nodes);
          assertThat(seen.size()).as(cut.describe() + " node " + i).isGreaterThanOrEqualTo(nodes / 2 + 1);
          views.add(seen);
        }
        if (nodes == 3) {
          assertThat(cut.links()).hasSize(2); // one link, both directions: the only symmetric option
        } else {
          assertThat(views).as(cut.describe()).hasSize(nodes);
        }
      }
    }
  }

  @Test
  void oneWayCutsOneDirectionOnly() {
    for (long seed = 0; seed < 20; seed++) {
      Fault.Cut cut = Nemeses.oneWay(new SplittableRandom(seed), 5);
      for (Link l : cut.links()) {
        assertThat(cut.links()).doesNotContain(new Link(l.to(), l.from()));
      }
      assertThat(cut.topology()).contains("->");
    }
  }

  @Test
  void pauseAndKillTakeAMinority() {
    for (int nodes : new int[] {3, 5}) {
      for (long seed = 0; seed < 50; seed++) {
        Set<Integer> m = Nemeses.minority(new SplittableRandom(seed), nodes);
        assertThat(m).isNotEmpty().hasSizeLessThanOrEqualTo((nodes - 1) / 2);
        assertThat(m).allMatch(i -> i >= 0 && i < nodes);
      }
    }
  }

  @Test
  void slowNetworkStaysInItsRanges() {
    for (long seed = 0; seed < 50; seed++) {
      NetworkShaping s = Nemeses.slow(new SplittableRandom(seed), 3).shaping();
      assertThat(s.delay()).isBetween(Duration.ofMillis(50), Duration.ofMillis(500));
      assertThat(s.jitter()).isEqualTo(s.delay().dividedBy(5));
      assertThat(s.lossPercent()).isBetween(0.0, 10.0);
    }
  }
}
