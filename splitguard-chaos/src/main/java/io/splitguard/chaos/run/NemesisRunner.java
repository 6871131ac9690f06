package io.splitguard.chaos.run;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Plays a {@link NemesisSchedule} against a cluster on its own thread: waits for each step's time,
 * applies the fault (resolving the leader for leader-aware faults) or heals it, and records every
 * fault and heal as a nemesis event in the history and as a line in the nemesis log. At most one
 * fault is active at a time; a heal undoes exactly what the active fault did (network rules
 * removed, paused nodes resumed, killed nodes restarted), also when applying it failed halfway.
 */
final class NemesisRunner implements Runnable {
  /** What the active fault did, so that heal can undo it. */
  private record Active(String description, boolean network, Set<Integer> paused, Set<Integer> killed) {}

  private final NemesisSchedule schedule;
  private final ClusterLauncher cluster;
  private final ClusterProbe probe;
  private final RunHistoryWriter history;
  private final TextLog log;
  private final CountDownLatch stop = new CountDownLatch(1);
  private final List<String> notes = new CopyOnWriteArrayList<>();
  private Active active;
  private int injected;

  NemesisRunner(NemesisSchedule schedule, ClusterLauncher cluster, ClusterProbe probe, RunHistoryWriter history,
      TextLog log) {
    this.schedule = schedule;
    this.cluster = cluster;
    this.probe = probe;
    this.history = history;
    this.log = log;
  }

  @Override
  public void run() {
    try {
      for (Step step : schedule.steps()) {
        long wait = history.startNanos() + step.at().toNanos() - System.nanoTime();
        if (wait > 0 && stop.await(wait, TimeUnit.NANOSECONDS)) {
          return; // stopped early; the caller heals
        }
        if (stop.getCount() == 0) {
          return;
        }
        if (step instanceof Step.Start start) {
          apply(start.fault());
        } else {
          heal();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Makes {@link #run()} return before its next step (the step in progress completes). */
  void stop() {
    stop.countDown();
  }

  /** Heals whatever is active and resumes any node still paused. Idempotent. */
  synchronized void healAll() throws InterruptedException {
    heal();
    try {
      if (cluster.supportsNetworkFaults()) {
        cluster.healNetwork();
      }
      for (int i = 0; i < cluster.size(); i++) {
        if (cluster.isPaused(i)) {
          cluster.resume(i);
        }
      }
    } catch (IOException | RuntimeException e) {
      log.at(history.elapsedNanos(), "final heal failed: " + e);
      notes.add("final heal failed: " + e);
    }
  }

  /** Fault injections so far. */
  synchronized int injected() {
    return injected;
  }

  /** Approximations and fallbacks that happened during the run. */
  List<String> notes() {
    return List.copyOf(notes);
  }

  synchronized void apply(Fault fault) throws InterruptedException {
    if (active != null) {
      heal(); // one fault at a time: a schedule never overlaps them, but be safe
    }
    Set<Integer> paused = new TreeSet<>();
    Set<Integer> killed = new TreeSet<>();
    boolean network = false;
    String description = fault.describe();
    String error = null;
    try {
      // An instanceof chain, not a pattern switch: Java 17 has no pattern matching in switch.
      if (fault instanceof Fault.Cut cut) {
        network = true;
        cluster.cut(cut.links());
      } else if (fault instanceof Fault.IsolateLeader isolate) {
        int leader = leaderOr(isolate.fallback(), "isolate-leader");
        description = "isolate-leader " + cluster.nodeId(leader);
        if (cluster.supportsNetworkFaults()) {
          network = true;
          List<Integer> others = new ArrayList<>();
          for (int i = 0; i < cluster.size(); i++) {
            if (i != leader) {
              others.add(i);
            }
          }
          cluster.cut(Link.between(Set.of(leader), others));
        } else {
          log.at(history.elapsedNanos(), "isolate-leader: pausing " + cluster.nodeId(leader) + " (loopback approximation)");
          note("isolate-leader was approximated by pausing the leader (loopback mode)");
          paused.add(leader);
          cluster.pause(leader);
        }
      } else if (fault instanceof Fault.Pause pause) {
        for (int i : new TreeSet<>(pause.nodes())) {
          paused.add(i);
          cluster.pause(i);
        }
      } else if (fault instanceof Fault.PauseLeader pauseLeader) {
        int leader = leaderOr(pauseLeader.fallback(), "pause-leader");
        description = "pause-leader " + cluster.nodeId(leader);
        paused.add(leader);
        cluster.pause(leader);
      } else if (fault instanceof Fault.Kill kill) {
        for (int i : new TreeSet<>(kill.nodes())) {
          killed.add(i);
          cluster.kill(i);
        }
      } else if (fault instanceof Fault.Slow slow) {
        network = true;
        description = "slow-network " + cluster.slow(slow.shaping());
      }
    } catch (IOException | RuntimeException e) {
      error = e.toString();
    }
    active = new Active(description, network, paused, killed);
    injected++;
    long time = history.nemesis("start", description, error);
    log.at(time, "start " + description + (error == null ? "" : " FAILED: " + error));
  }

  synchronized void heal() {
    Active a = active;
    if (a == null) {
      return;
    }
    active = null;
    List<String> errors = new ArrayList<>();
    if (a.network()) {
      try {
        cluster.healNetwork();
      } catch (IOException | RuntimeException e) {
        errors.add(e.toString());
      }
    }
    for (int i : a.paused()) {
      try {
        cluster.resume(i);
      } catch (IOException | RuntimeException e) {
        errors.add(e.toString());
      }
    }
    for (int i : a.killed()) {
      try {
        cluster.start(i);
      } catch (IOException | RuntimeException e) {
        errors.add(e.toString());
      }
    }
    String error = errors.isEmpty() ? null : String.join("; ", errors);
    long time = history.nemesis("stop", a.description(), error);
    log.at(time, "stop " + a.description() + (error == null ? "" : " FAILED: " + error));
  }

  private int leaderOr(int fallback, String nemesis) throws InterruptedException {
    Optional<Integer> leader = probe.leader();
    if (leader.isPresent()) {
      return leader.get();
    }
    log.at(history.elapsedNanos(), nemesis + ": no leader found; using " + cluster.nodeId(fallback) + " (seeded fallback)");
    note(nemesis + ": at least once no leader was found and a seeded random node was used instead");
    return fallback;
  }

  private void note(String text) {
    if (!notes.contains(text)) {
      notes.add(text);
    }
  }
}
