/**
 * Checkers for chaos histories: {@link io.splitguard.chaos.check.LinearizabilityChecker} (per-key
 * Wing–Gong–Lowe search with memoisation, as in Porcupine and Knossos), {@link
 * io.splitguard.chaos.check.LostWriteChecker} (acknowledged writes must stay visible; reads must
 * return values someone wrote) and {@link io.splitguard.chaos.check.FencingChecker} (guarded
 * registers never accept a token lower than one they accepted before). {@link
 * io.splitguard.chaos.check.HistoryCheck} runs them all and returns a {@link
 * io.splitguard.chaos.check.CheckReport}.
 *
 * <p>The checkers are pure: no clocks, threads of their own (except a parallel stream over keys),
 * or randomness; the same history always gives the same report.
 */
package io.splitguard.chaos.check;
