/**
 * The history of a chaos run: what every client invoked and what it was told, as JSON lines.
 *
 * <p>One event per line, in real-time order:
 *
 * <pre>{@code
 * {"process": 3, "type": "invoke", "f": "write", "key": "k1", "value": "v17", "time": 120034}
 * {"process": 3, "type": "ok",     "f": "write", "key": "k1", "value": "v17", "time": 131877}
 * {"process": "nemesis", "type": "info", "f": "start", "value": "isolate-leader n2", "time": 140000}
 * }</pre>
 *
 * <ul>
 *   <li>{@code process} is a client's integer id, or {@code "nemesis"} for fault-injection events
 *       (whose {@code f} and {@code value} are free-form and which the checkers ignore).
 *   <li>{@code type}: {@code invoke}; then the same process's completion with the same {@code f}
 *       and {@code key}: {@code ok}, {@code fail} (the operation certainly did not take effect) or
 *       {@code info} (outcome unknown). An invoke with no completion is treated like {@code info}.
 *   <li>{@code value}: a {@code write} carries the string written, a {@code cas} carries {@code
 *       [expected, new]}, a {@code read} invoke carries {@code null} and its {@code ok} carries the
 *       string read or {@code null} when the key was missing.
 *   <li>Lock and guarded-resource operations (the {@code locks} workload): {@code acquire} (value:
 *       the owner; its {@code ok} carries the granted {@code token}), {@code release} (invoke
 *       carries the {@code token}), {@code guarded-write} (value: the string written; invoke
 *       carries the {@code token} presented) and {@code guarded-read} (its {@code ok} carries the
 *       value and the {@code token} that wrote it, or {@code null} and no token when never
 *       written). {@code key} is the lock name or the resource.
 *   <li>{@code time}: nanoseconds on one monotonic clock (the runner's {@code System.nanoTime()}).
 *   <li>Other fields ({@code node}, {@code error}, {@code revision}, ...) are kept as extras and
 *       never interpreted.
 * </ul>
 *
 * <p>{@link io.splitguard.chaos.history.HistoryReader} parses the file, {@link
 * io.splitguard.chaos.history.History#pair} turns events into {@link
 * io.splitguard.chaos.history.Operation}s, {@link io.splitguard.chaos.history.HistoryWriter}
 * writes it. A second file lists the guarded-register writes the cluster accepted ({@link
 * io.splitguard.chaos.history.GuardedWrite}).
 */
package io.splitguard.chaos.history;
