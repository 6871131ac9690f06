/**
 * Runs a real cluster under faults and records what its clients saw: the launchers ({@link
 * io.splitguard.chaos.run.LoopbackLauncher}, {@link io.splitguard.chaos.run.NetnsLauncher}), the
 * seeded nemesis schedules ({@link io.splitguard.chaos.run.Nemeses}), the workloads ({@link
 * io.splitguard.chaos.run.Workloads}), the history writer ({@link
 * io.splitguard.chaos.run.RunHistoryWriter}) and the HTML report ({@link
 * io.splitguard.chaos.run.HtmlReport}). The entry point is {@link
 * io.splitguard.chaos.run.ChaosRun#execute(ChaosConfig)}.
 *
 * <p>Checking a history is not done here: the checkers read the file this package writes, whose
 * format (one JSON object per line) is the contract between the two.
 */
package io.splitguard.chaos.run;
