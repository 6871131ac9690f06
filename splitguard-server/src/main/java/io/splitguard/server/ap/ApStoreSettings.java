package io.splitguard.server.ap;

/**
 * Bounds of a node's AP store.
 *
 * @param historyMaxEntries superseded values kept per key for {@code /history} and sent with the
 *     key's state (default 100, 1 to 10,000). The newest are kept; the audit log keeps them all.
 *     More shows more of a key's past after a heal, at the price of memory and replication bytes
 *     per key
 * @param snapshotEveryRecords log records after which the store writes a snapshot while running
 *     (and at start-up when more were replayed), letting the log drop the segments it covers
 *     (default 10,000, at least 100). Lower bounds replay time and disk use; each snapshot writes
 *     every key's state once
 */
public record ApStoreSettings(int historyMaxEntries, int snapshotEveryRecords) {
  /** Default of {@link #historyMaxEntries}. */
  public static final int DEFAULT_HISTORY_MAX_ENTRIES = 100;

  /** Default of {@link #snapshotEveryRecords}. */
  public static final int DEFAULT_SNAPSHOT_EVERY_RECORDS = 10_000;

  /** Largest {@link #historyMaxEntries}: histories are copied on every admission. */
  public static final int HISTORY_MAX_ENTRIES_LIMIT = 10_000;

  /** Smallest {@link #snapshotEveryRecords}: each snapshot writes the whole state. */
  public static final int SNAPSHOT_EVERY_RECORDS_MIN = 100;

  /** Validates the fields. */
  public ApStoreSettings {
    if (historyMaxEntries < 1 || historyMaxEntries > HISTORY_MAX_ENTRIES_LIMIT) {
      throw new IllegalArgumentException("ap.historyMaxEntries must be between 1 and " + HISTORY_MAX_ENTRIES_LIMIT
          + ", got " + historyMaxEntries);
    }
    if (snapshotEveryRecords < SNAPSHOT_EVERY_RECORDS_MIN) {
      throw new IllegalArgumentException("ap.snapshotEveryRecords must be at least " + SNAPSHOT_EVERY_RECORDS_MIN
          + ", got " + snapshotEveryRecords);
    }
  }

  /** The defaults. */
  public static ApStoreSettings defaults() {
    return new ApStoreSettings(DEFAULT_HISTORY_MAX_ENTRIES, DEFAULT_SNAPSHOT_EVERY_RECORDS);
  }
}
