package io.splitguard.chaos.check;

import io.splitguard.chaos.history.Fn;
import io.splitguard.chaos.history.GuardedWrite;
import io.splitguard.chaos.history.History;
import io.splitguard.chaos.history.HistoryFormatException;
import io.splitguard.chaos.history.HistoryReader;
import io.splitguard.chaos.history.Operation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The single entry point for checking a recorded run: {@code splitguard chaos check --history FILE
 * [--guarded FILE]} calls {@link #check(Path, Path)} and exits non-zero unless {@link
 * CheckReport#passed()} (INVALID and UNKNOWN both fail).
 *
 * <p>Which checkers run depends on what the history holds:
 *
 * <ul>
 *   <li>register operations ({@code read}, {@code write}, {@code cas}; the {@code register}
 *       workload): {@link LinearizabilityChecker} and {@link LostWriteChecker}, on those operations
 *       only. They also run on a history with no operations at all, so an empty run still says
 *       what was checked.
 *   <li>lock and guarded-resource operations (the {@code locks} workload): {@link LockChecker}
 *       (grant order, reads of guarded resources against acknowledged writes and their tokens) and
 *       {@link FencingChecker} over the accepted guarded writes: the guarded-writes file when
 *       given, else the {@code ok} guarded-writes of the history (the same writes with the same
 *       times; the file exists so that other harnesses can feed the fencing check alone).
 *   <li>a guarded-writes file with any history: {@link FencingChecker} on it.
 * </ul>
 */
public final class HistoryCheck {
  private HistoryCheck() {}

  /**
   * Reads and checks a history file and, if not null, a guarded-writes file, with {@link
   * CheckOptions#DEFAULTS}.
   *
   * @throws IOException when a file cannot be read
   * @throws HistoryFormatException when a file is malformed (the message names line and field)
   */
  public static CheckReport check(Path history, Path guardedOrNull) throws IOException {
    return check(history, guardedOrNull, CheckOptions.DEFAULTS);
  }

  /**
   * As {@link #check(Path, Path)} with explicit options.
   *
   * @throws IOException when a file cannot be read
   * @throws HistoryFormatException when a file is malformed
   */
  public static CheckReport check(Path history, Path guardedOrNull, CheckOptions options)
      throws IOException {
    Objects.requireNonNull(history, "history");
    History h = HistoryReader.readHistory(history);
    List<GuardedWrite> guarded = guardedOrNull == null ? null : HistoryReader.readGuarded(guardedOrNull);
    return check(h, guarded, options);
  }

  /**
   * Checks an in-memory history (e.g. straight from the runner) with {@link CheckOptions#DEFAULTS}.
   *
   * @param guardedOrNull the accepted guarded writes in acknowledgement order, or null to take them
   *     from the history's guarded-writes (no fencing check when it has none)
   */
  public static CheckReport check(History history, List<GuardedWrite> guardedOrNull) {
    return check(history, guardedOrNull, CheckOptions.DEFAULTS);
  }

  /** Checks an in-memory history with explicit options. */
  public static CheckReport check(History history, List<GuardedWrite> guardedOrNull, CheckOptions options) {
    List<Verdict> verdicts = new ArrayList<>();
    History registers = history.only(Fn::isRegister);
    boolean locks = history.operations().stream().anyMatch(op -> op.f().isLock() || op.f().isGuarded());
    if (!registers.operations().isEmpty() || !locks) {
      // Guarded-writes and lock operations are filtered out: to these checkers a guarded-write
      // would look like an unconditional write to a key, which it is not.
      verdicts.add(new LinearizabilityChecker(options).check(registers));
      verdicts.add(new LostWriteChecker(options).check(registers));
    }
    if (locks) {
      verdicts.add(new LockChecker(options).check(history));
    }
    List<GuardedWrite> accepted = guardedOrNull;
    if (accepted == null && history.operations().stream().anyMatch(op -> op.f() == Fn.GUARDED_WRITE)) {
      accepted = LockChecker.acceptedWrites(history);
    }
    if (accepted != null) {
      verdicts.add(new FencingChecker(options).check(accepted, history.startTime()));
    }
    int keys = (int) history.operations().stream().map(Operation::key).distinct().count();
    return new CheckReport(history.operations().size(), keys, history.nemesis().size(), verdicts);
  }
}
