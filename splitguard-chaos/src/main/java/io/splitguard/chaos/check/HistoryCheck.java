package io.splitguard.chaos.check;

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
 * <p>Runs {@link LinearizabilityChecker}, {@link LostWriteChecker} and, when guarded writes are
 * given, {@link FencingChecker}.
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
   * @param guardedOrNull the accepted guarded writes in acknowledgement order, or null to skip the
   *     fencing check
   */
  public static CheckReport check(History history, List<GuardedWrite> guardedOrNull) {
    return check(history, guardedOrNull, CheckOptions.DEFAULTS);
  }

  /** Checks an in-memory history with explicit options. */
  public static CheckReport check(History history, List<GuardedWrite> guardedOrNull, CheckOptions options) {
    List<Verdict> verdicts = new ArrayList<>();
    verdicts.add(new LinearizabilityChecker(options).check(history));
    verdicts.add(new LostWriteChecker(options).check(history));
    if (guardedOrNull != null) {
      verdicts.add(new FencingChecker(options).check(guardedOrNull, history.startTime()));
    }
    int keys = (int) history.operations().stream().map(Operation::key).distinct().count();
    return new CheckReport(history.operations().size(), keys, history.nemesis().size(), verdicts);
  }
}
