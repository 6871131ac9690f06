package io.splitguard.testkit.sim;

import io.splitguard.core.detector.PartitionStatus;

/**
 * A node's reported (debounced) status changed.
 *
 * @param atNanos simulated time of the change
 * @param status the new reported status
 */
public record StatusChange(long atNanos, PartitionStatus status) {}
