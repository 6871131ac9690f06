/**
 * Binary formats of the AP tier's clocks, values, superseded-value records and Merkle trees, for
 * the write-ahead log, snapshots and the node-to-node channel.
 */
package io.splitguard.core.ap.codec;
