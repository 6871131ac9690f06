package io.splitguard.wal;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What opening the log found and did.
 *
 * @param kind clean, a torn tail that was cut, or corruption that was cut (and preserved)
 * @param lastIndex the last good record's index after recovery
 * @param segment the segment file where the first bad byte was, or empty for {@code CLEAN}
 * @param offset the byte offset of the first bad record in it (everything from there was cut)
 * @param bytesCut how many bytes were removed from the log, across all segments
 * @param preserved where cut bytes were moved for inspection (corruption only; a torn tail is
 *     discarded because no acknowledged record can be in it)
 * @param message a sentence for the log saying what happened, with the numbers
 */
public record Recovery(
    Kind kind, long lastIndex, String segment, long offset, long bytesCut, List<Path> preserved, String message) {

  /** The outcome of recovery. */
  public enum Kind {
    /** Every record was intact. */
    CLEAN,
    /**
     * The last record of the last segment was incomplete or failed its checksum and nothing but
     * zeros followed: a write interrupted by a crash, never acknowledged. Cut.
     */
    TORN_TAIL,
    /**
     * A record failed its checksum (or index) with more data after it, or in a segment that is not
     * the last: the disk or someone corrupted acknowledged data. The log stops at the last good
     * record before it; the rest is moved aside, not deleted.
     */
    CORRUPTION
  }

  /** Validates and copies the fields. */
  public Recovery {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(segment, "segment");
    Objects.requireNonNull(message, "message");
    preserved = List.copyOf(preserved);
  }

  static Recovery clean(long lastIndex) {
    return new Recovery(Kind.CLEAN, lastIndex, "", 0, 0, List.of(), "log intact up to index " + lastIndex);
  }
}
