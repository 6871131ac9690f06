package io.splitguard.core.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.health.HealthLevel;
import io.splitguard.core.membership.AutoDemotion.Action;
import io.splitguard.core.membership.AutoDemotion.Observation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Automatic demotion: worked examples on a simulated clock, and properties over random runs
 * (QuickTheories prints the seed of a failing run; pass it to {@link #run} to replay it).
 */
class AutoDemotionTest {
  private static final NodeId N1 = NodeId.of("n1");
  private static final NodeId N2 = NodeId.of("n2");
  private static final NodeId N3 = NodeId.of("n3");
  private static final long S = 1_000_000_000L;

  private static final MembershipSettings SETTINGS = new MembershipSettings(true, true,
      Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10), 1000, Duration.ofSeconds(3), 100);

  private static Membership config(MemberRole r1, MemberRole r2, MemberRole r3) {
    Map<NodeId, MemberRole> m = new LinkedHashMap<>();
    m.put(N1, r1);
    m.put(N2, r2);
    m.put(N3, r3);
    return new Membership(m);
  }

  private static Observation good() {
    return new Observation(true, Optional.of(HealthLevel.HEALTHY), OptionalLong.of(0));
  }

  private static Observation unhealthy() {
    return new Observation(true, Optional.of(HealthLevel.UNHEALTHY), OptionalLong.of(0));
  }

  private static Observation lagging(long lag) {
    return new Observation(true, Optional.of(HealthLevel.HEALTHY), OptionalLong.of(lag));
  }

  private static Observation unreachable() {
    return new Observation(false, Optional.of(HealthLevel.HEALTHY), OptionalLong.empty());
  }

  @Test
  void anUnhealthyVoterGetsAnAlertThenIsDemotedAfterTheGraceAndPromotedBackOnceRecovered() {
    AutoDemotion machine = new AutoDemotion(N1, SETTINGS);
    Membership all = config(MemberRole.VOTER, MemberRole.VOTER, MemberRole.VOTER);
    // t=0: first look; the stability window (10 s) starts now.
    assertThat(machine.step(0, all, Map.of(N2, good(), N3, unhealthy()))).isEmpty();
    assertThat(machine.step(1 * S, all, Map.of(N2, good(), N3, unhealthy()))).isEmpty();
    List<Action> raised = machine.step(2 * S, all, Map.of(N2, good(), N3, unhealthy()));
    assertThat(raised).singleElement().isInstanceOfSatisfying(Action.AlertRaised.class, a -> {
      assertThat(a.member()).isEqualTo(N3);
      assertThat(a.alert().deadlineNanos()).isEqualTo(7 * S);
      assertThat(a.alert().troubles()).containsExactly(AutoDemotion.Trouble.UNHEALTHY);
    });
    assertThat(machine.pending()).containsKey(N3);
    assertThat(machine.step(6 * S, all, Map.of(N2, good(), N3, unhealthy()))).isEmpty();
    // Deadline passed at 7 s, but the configuration was first seen at 0: window until 10 s.
    assertThat(machine.step(8 * S, all, Map.of(N2, good(), N3, unhealthy())))
        .singleElement().isInstanceOfSatisfying(Action.DemotionRefused.class,
            r -> assertThat(r.reason()).contains("within the stability window of 10000 ms"));
    assertThat(machine.step(9 * S, all, Map.of(N2, good(), N3, unhealthy()))).isEmpty(); // reported once
    List<Action> demote = machine.step(10 * S, all, Map.of(N2, good(), N3, unhealthy()));
    assertThat(demote).singleElement().isInstanceOfSatisfying(Action.Demote.class, d -> {
      assertThat(d.member()).isEqualTo(N3);
      assertThat(d.next()).isEqualTo(config(MemberRole.VOTER, MemberRole.VOTER, MemberRole.LISTENER));
    });
    assertThat(machine.pending()).isEmpty();
    Membership demoted = config(MemberRole.VOTER, MemberRole.VOTER, MemberRole.LISTENER);
    // Raft applied it; n3 recovers at once, but promotion waits for the window after the change.
    assertThat(machine.step(11 * S, demoted, Map.of(N2, good(), N3, good()))).isEmpty();
    assertThat(machine.step(20 * S, demoted, Map.of(N2, good(), N3, good()))).isEmpty();
    assertThat(machine.step(21 * S, demoted, Map.of(N2, good(), N3, good())))
        .singleElement().isInstanceOfSatisfying(Action.Promote.class, p -> {
          assertThat(p.member()).isEqualTo(N3);
          assertThat(p.next()).isEqualTo(all);
        });
  }

  @Test
  void recoveryDuringTheGraceCancelsTheAlertAndNothingIsDemoted() {
    AutoDemotion machine = new AutoDemotion(N1, SETTINGS);
    Membership all = config(MemberRole.VOTER, MemberRole.VOTER, MemberRole.VOTER);
    machine.step(0, all, Map.of(N2, good(), N3, good()));
    machine.step(20 * S, all, Map.of(N2, good(), N3, lagging(5000)));
    assertThat(machine.step(22 * S, all, Map.of(N2, good(), N3, lagging(5000))))
        .singleElement().isInstanceOf(Action.AlertRaised.class);
    assertThat(machine.step(25 * S, all, Map.of(N2, good(), N3, lagging(10))))
        .containsExactly(new Action.AlertCancelled(N3, "recovered"));
    // Trouble again: the clock starts over, so no demotion at the old deadline.
    assertThat(machine.step(27 * S, all, Map.of(N2, good(), N3, lagging(5000)))).isEmpty();
    assertThat(machine.step(28 * S, all, Map.of(N2, good(), N3, lagging(5000)))).isEmpty();
    assertThat(machine.step(29 * S, all, Map.of(N2, good(), N3, lagging(5000))))
        .singleElement().isInstanceOf(Action.AlertRaised.class);
  }

  @Test
  void aDemotionBelowTheMajorityIsRefusedAndReported() {
    AutoDemotion machine = new AutoDemotion(N1, SETTINGS);
    Membership two = config(MemberRole.VOTER, MemberRole.VOTER, MemberRole.LISTENER);
    machine.step(0, two, Map.of(N2, unreachable(), N3, good()));
    machine.step(20 * S, two, Map.of(N2, unreachable(), N3, good()));
    List<Action> at = machine.step(30 * S, two, Map.of(N2, unreachable(), N3, good()));
    assertThat(at).singleElement().isInstanceOfSatisfying(Action.DemotionRefused.class,
        r -> assertThat(r.reason()).contains("fewer than a majority (2) of the 2 voters now"));
    assertThat(machine.pending().get(N2).refusal()).isPresent();
  }

  @Test
  void withAutomaticDemotionOffAlertsAreStillRaisedButNothingIsDemoted() {
    MembershipSettings off = new MembershipSettings(false, true, Duration.ofSeconds(2), Duration.ofSeconds(5),
        Duration.ofSeconds(0), 1000, Duration.ofSeconds(3), 100);
    AutoDemotion machine = new AutoDemotion(N1, off);
    Membership all = config(MemberRole.VOTER, MemberRole.VOTER, MemberRole.VOTER);
    machine.step(0, all, Map.of(N2, good(), N3, unreachable()));
    assertThat(machine.step(2 * S, all, Map.of(N2, good(), N3, unreachable())))
        .singleElement().isInstanceOf(Action.AlertRaised.class);
    assertThat(machine.step(60 * S, all, Map.of(N2, good(), N3, unreachable())))
        .singleElement().isInstanceOfSatisfying(Action.DemotionRefused.class,
            r -> assertThat(r.reason()).contains("automatic demotion is off"));
  }

  @Test
  void aMemberDemotedByAnOperatorIsNeverPromotedAutomatically() {
    AutoDemotion machine = new AutoDemotion(N1, SETTINGS);
    Membership demoted = config(MemberRole.VOTER, MemberRole.VOTER, MemberRole.LISTENER);
    for (long t = 0; t < 100; t++) {
      assertThat(machine.step(t * S, demoted, Map.of(N2, good(), N3, good()))).isEmpty();
    }
  }

  @Test
  void theLeaderIsNeverACandidate() {
    AutoDemotion machine = new AutoDemotion(N1, SETTINGS);
    Membership all = config(MemberRole.VOTER, MemberRole.VOTER, MemberRole.VOTER);
    for (long t = 0; t < 100; t++) {
      assertThat(machine.step(t * S, all, Map.of(N2, good(), N3, good()))).isEmpty();
    }
  }

  // ---- properties over random runs -------------------------------------------------------------

  @Test
  void randomRunsKeepTheMajorityTheWindowTheGraceAndCancelOnRecovery() {
    qt().withExamples(300).forAll(longs().all()).checkAssert(AutoDemotionTest::run);
  }

  /** One random run, checked step by step; a failure names the seed. */
  static void run(long seed) {
    Random random = new Random(seed);
    int size = 3 + random.nextInt(3);
    List<NodeId> ids = new ArrayList<>();
    Map<NodeId, MemberRole> roles = new LinkedHashMap<>();
    for (int i = 1; i <= size; i++) {
      ids.add(NodeId.of("n" + i));
      roles.put(ids.get(i - 1), MemberRole.VOTER);
    }
    NodeId self = ids.get(0);
    MembershipSettings settings = new MembershipSettings(true, random.nextBoolean(),
        Duration.ofMillis(500 + random.nextInt(4000)), Duration.ofMillis(500 + random.nextInt(8000)),
        Duration.ofMillis(random.nextInt(20_000)), 1000, Duration.ofMillis(500 + random.nextInt(4000)), 100);
    AutoDemotion machine = new AutoDemotion(self, settings);
    Membership config = new Membership(roles);
    Map<NodeId, Observation> state = new HashMap<>();
    for (NodeId id : ids.subList(1, size)) {
      state.put(id, good());
    }
    long now = 0;
    long lastActivity = 0;
    Membership lastSeen = null;
    Map<NodeId, Long> alertRaisedAt = new HashMap<>();
    String context = "seed " + seed + ", settings " + settings;
    for (int step = 0; step < 400; step++) {
      now += (50 + random.nextInt(2000)) * 1_000_000L;
      for (NodeId id : ids.subList(1, size)) {
        if (random.nextInt(10) == 0) {
          state.put(id, switch (random.nextInt(5)) {
            case 0 -> unreachable();
            case 1 -> unhealthy();
            case 2 -> lagging(1001 + random.nextInt(10_000));
            default -> new Observation(true, Optional.of(random.nextBoolean() ? HealthLevel.HEALTHY : HealthLevel.DEGRADED),
                OptionalLong.of(random.nextInt(100)));
          });
        }
      }
      Map<NodeId, Observation> observed = Map.copyOf(state);
      if (!config.equals(lastSeen)) {
        lastSeen = config;
        lastActivity = now;
      }
      Map<NodeId, AutoDemotion.PendingEviction> pendingBefore = machine.pending();
      List<Action> actions = machine.step(now, config, observed);
      String at = context + ", step " + step + ", t=" + now / 1_000_000 + " ms, config " + config.roles()
          + ", observed " + observed + ", actions " + actions;
      int changes = 0;
      for (Action a : actions) {
        assertThat(a.member()).as(at).isNotEqualTo(self);
        if (a instanceof Action.AlertRaised r) {
          alertRaisedAt.put(r.member(), now);
        } else if (a instanceof Action.AlertCancelled c) {
          alertRaisedAt.remove(c.member());
        } else if (a instanceof Action.Demote d) {
          changes++;
          assertThat(d.current()).as(at).isEqualTo(config);
          assertThat(d.next().voters().size()).as("never below a majority: " + at)
              .isGreaterThanOrEqualTo(config.majority());
          long reachableAfter = d.next().voters().stream()
              .filter(v -> v.equals(self) || observed.get(v).reachable()).count();
          assertThat(reachableAfter).as("new majority reachable: " + at).isGreaterThanOrEqualTo(d.next().majority());
          assertThat(now - lastActivity).as("outside the stability window: " + at)
              .isGreaterThanOrEqualTo(settings.stabilityWindow().toNanos());
          Long raised = alertRaisedAt.remove(d.member());
          assertThat(raised).as("an alert preceded the demotion: " + at).isNotNull();
          assertThat(now - raised).as("alert at least the grace before: " + at)
              .isGreaterThanOrEqualTo(settings.grace().toNanos());
        } else if (a instanceof Action.Promote p) {
          changes++;
          assertThat(p.current()).as(at).isEqualTo(config);
          assertThat(now - lastActivity).as("outside the stability window: " + at)
              .isGreaterThanOrEqualTo(settings.stabilityWindow().toNanos());
          Observation o = observed.get(p.member());
          assertThat(o.reachable() && o.health().orElseThrow() != HealthLevel.UNHEALTHY).as(at).isTrue();
        }
      }
      assertThat(changes).as("one change at a time: " + at).isLessThanOrEqualTo(1);
      for (NodeId id : pendingBefore.keySet()) {
        Observation o = observed.get(id);
        boolean fine = o.reachable() && o.health().orElseThrow() != HealthLevel.UNHEALTHY
            && o.lagEntries().orElse(0) <= settings.maxLagEntries();
        if (fine && config.roles().get(id) == MemberRole.VOTER) {
          assertThat(actions).as("recovery cancels: " + at).contains(new Action.AlertCancelled(id, "recovered"));
          assertThat(actions).as(at).noneMatch(a -> a instanceof Action.Demote d && d.member().equals(id));
        }
      }
      // Carry out the change as the node would: mostly Raft makes it, sometimes it does not.
      for (Action a : actions) {
        Membership next = a instanceof Action.Demote d ? d.next() : a instanceof Action.Promote p ? p.next() : null;
        if (next == null) {
          continue;
        }
        if (random.nextInt(5) == 0) {
          machine.changeFailed(a.member(), now);
          lastActivity = now;
        } else {
          config = next;
        }
      }
    }
  }
}
