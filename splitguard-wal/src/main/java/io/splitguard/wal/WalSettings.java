package io.splitguard.wal;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Settings of a {@link FileWal}.
 *
 * @param directory where segments and snapshots live; created if missing; one log per directory
 * @param segmentBytesMax a segment is closed and a new one started before a record would take it
 *     past this size (a single larger record still gets a segment of its own). Smaller segments let
 *     snapshots free space sooner; larger ones mean fewer files. Default 64 MiB.
 * @param recordBytesMax the largest payload accepted, and the largest length recovery believes
 *     (a larger one is a corrupt length field). Default 16 MiB.
 */
public record WalSettings(Path directory, long segmentBytesMax, int recordBytesMax) {
  /** Default segment size: 64 MiB. */
  public static final long DEFAULT_SEGMENT_BYTES = 64L * 1024 * 1024;
  /** Default record limit: 16 MiB. */
  public static final int DEFAULT_RECORD_BYTES = 16 * 1024 * 1024;

  /** Validates the fields. */
  public WalSettings {
    Objects.requireNonNull(directory, "directory");
    if (recordBytesMax < 1) {
      throw new IllegalArgumentException("recordBytesMax must be positive, was " + recordBytesMax);
    }
    if (segmentBytesMax < 64) {
      throw new IllegalArgumentException("segmentBytesMax must be at least 64 bytes, was " + segmentBytesMax);
    }
  }

  /** The defaults, in {@code directory}. */
  public static WalSettings of(Path directory) {
    return new WalSettings(directory, DEFAULT_SEGMENT_BYTES, DEFAULT_RECORD_BYTES);
  }
}
