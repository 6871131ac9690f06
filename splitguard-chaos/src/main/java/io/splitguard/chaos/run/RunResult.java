package io.splitguard.chaos.run;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a run produced. Checking the history is the caller's next step.
 *
 * @param runDir the run directory {@code <out>/run-<seed>-<n>}
 * @param historyFile {@code history.jsonl}
 * @param guardedFile {@code guarded.jsonl}, the guarded writes the cluster accepted, when the
 *     workload records them ({@link Workload#recordsGuardedWrites()}); give it to the fencing check
 * @param nemesisLog {@code nemesis.log}: the planned schedule and what was applied when
 * @param nodeLogs one log per node, {@code n1.log ...}
 * @param seed the run seed
 * @param nemesis the nemesis name
 * @param workload the workload name
 * @param mode the launch mode
 * @param nodes the cluster size
 * @param elapsed wall time of the whole run, start-up and final reads included
 * @param totals client event counts over all functions
 * @param byFunction client event counts per function ({@code read}, {@code write}, {@code cas})
 * @param faultsInjected fault injections (nemesis start events)
 * @param notes approximations, fallbacks and anomalies a reader should know (e.g. a node that
 *     exited on its own)
 * @param splitBrainSuspicions the nodes' {@code splitBrainSuspicions} summed at the end of the
 *     run: a node learned of a newer term while it still held its fence file (fence before elect
 *     did not hold); any value above 0 fails the run
 */
public record RunResult(
    Path runDir,
    Path historyFile,
    Optional<Path> guardedFile,
    Path nemesisLog,
    List<Path> nodeLogs,
    long seed,
    String nemesis,
    String workload,
    LaunchMode mode,
    int nodes,
    Duration elapsed,
    OpCounts totals,
    Map<String, OpCounts> byFunction,
    int faultsInjected,
    List<String> notes,
    long splitBrainSuspicions) {

  /** Freezes the collections. */
  public RunResult {
    Objects.requireNonNull(guardedFile, "guardedFile");
    nodeLogs = List.copyOf(nodeLogs);
    byFunction = Map.copyOf(byFunction);
    notes = List.copyOf(notes);
  }

  /** One line for stdout: seed, nemesis, counts and where the files are. */
  public String summary() {
    return "seed=" + seed + " nemesis=" + nemesis + " workload=" + workload + " mode=" + mode.cliName()
        + " nodes=" + nodes + " faults=" + faultsInjected + " " + totals + " history=" + historyFile;
  }
}
