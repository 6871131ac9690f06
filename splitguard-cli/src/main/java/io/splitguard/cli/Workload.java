package io.splitguard.cli;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** What one operation of {@code splitguard bench} does. */
enum Workload {
  /** An unconditional {@code PUT} of a random key. */
  PUT("put", false),
  /** A linearizable {@code GET} of a random key. */
  GET("get", true),
  /** A {@code GET ?consistency=stale} of a random key. */
  STALE_GET("stale-get", true),
  /**
   * A read-modify-write: a linearizable {@code GET} of a random key, then a {@code PUT} with
   * {@code If-Match} set to the revision read; one operation, timed from the read to the write's
   * answer. Under contention some writes fail with {@code CONFLICT}, counted as errors.
   */
  CAS("cas", true),
  /** {@link #MIXED_READ_PERCENT}% linearizable reads, the rest unconditional writes. */
  MIXED("mixed", true);

  /** The share of reads in {@link #MIXED}, as in a read-mostly service. */
  static final int MIXED_READ_PERCENT = 80;

  private final String cliName;
  private final boolean readsKeys;

  Workload(String cliName, boolean readsKeys) {
    this.cliName = cliName;
    this.readsKeys = readsKeys;
  }

  /** The name on the command line and in results. */
  String cliName() {
    return cliName;
  }

  /**
   * Whether the workload reads keys, so they must be written before the first phase: otherwise
   * every read of a fresh cluster would be a {@code NOT_FOUND} and measure nothing useful.
   */
  boolean readsKeys() {
    return readsKeys;
  }

  /** The workload named {@code text} (case-insensitive), if any. */
  static Optional<Workload> parse(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    return Arrays.stream(values()).filter(w -> w.cliName.equals(t)).findFirst();
  }

  /** All names, for messages: {@code put, get, stale-get, cas, mixed}. */
  static String names() {
    return Arrays.stream(values()).map(Workload::cliName).collect(Collectors.joining(", "));
  }
}
