/**
 * JMH micro-benchmarks of SplitGuard's hot paths: command encoding and decoding, request batch
 * encoding and decoding, state machine apply, phi computation, request body parsing, CRDT merges,
 * Merkle digests for anti-entropy and write-ahead log appends with group commit. Run with {@code
 * java -jar splitguard-bench/target/benchmarks.jar}; results are recorded in {@code
 * docs/benchmarks.md}. Nothing here is run by the test suite.
 */
package io.splitguard.bench;
