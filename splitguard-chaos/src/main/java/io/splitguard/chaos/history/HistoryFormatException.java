package io.splitguard.chaos.history;

/**
 * A history (or guarded-writes) file, or a list of events, that does not follow the format. The
 * message names the line (or event number) and the field, e.g. {@code line 17, field "value": a
 * cas invoke needs [expected, new], got 42}.
 */
public final class HistoryFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final long line;
  private final String field;

  /**
   * Creates the exception.
   *
   * @param line 1-based line number in the file (or event number for in-memory events)
   * @param field the offending field, or null when the whole line is at fault
   * @param problem what is wrong
   */
  public HistoryFormatException(long line, String field, String problem) {
    super("line " + line + (field == null ? "" : ", field \"" + field + "\"") + ": " + problem);
    this.line = line;
    this.field = field;
  }

  /** The 1-based line (or event) number. */
  public long line() {
    return line;
  }

  /** The offending field, or null when the line as a whole is at fault. */
  public String field() {
    return field;
  }
}
