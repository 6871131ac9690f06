/**
 * Keyspace declarations: each keyspace's partition strategy (CP, CP with stale reads, AP) and merge
 * policy, replicated in the CP registry. Pure and deterministic.
 */
package io.splitguard.core.keyspace;
