package io.splitguard.testkit.sim;

/**
 * Counters of one run so far.
 *
 * @param events events processed (ticks and deliveries)
 * @param sent heartbeats sent to a live node
 * @param lost heartbeats lost at random
 * @param blocked heartbeats dropped by a partition
 * @param delivered heartbeats that reached a live node
 * @param suspicionsEnded times a heartbeat arrived from a peer its receiver suspected at that
 *     moment: each is a suspicion that turned out wrong, unless a fault (partition, stall) made
 *     the silence on purpose
 * @param stalls sender stalls started
 */
public record SimStats(
    long events, long sent, long lost, long blocked, long delivered, long suspicionsEnded,
    long stalls) {}
