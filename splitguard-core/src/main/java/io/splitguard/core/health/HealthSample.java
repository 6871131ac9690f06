package io.splitguard.core.health;

/**
 * One measurement of a node's own resources.
 *
 * @param diskFreeBytes usable bytes left on the data directory's file system
 * @param diskTotalBytes size of that file system
 * @param fsyncNanos how long the last probe write plus fsync in the data directory took
 * @param heapUsedBytes heap in use after the last collection (or now, if unknown)
 * @param heapMaxBytes the maximum heap
 * @param pausedRecently whether the pause watchdog saw a pause in the last few seconds
 */
public record HealthSample(
    long diskFreeBytes, long diskTotalBytes, long fsyncNanos, long heapUsedBytes, long heapMaxBytes,
    boolean pausedRecently) {}
