package io.splitguard.chaos.run;

import java.util.SplittableRandom;

/**
 * One client thread's identity: its seeded random stream and its current logical process. Records
 * events under that process and takes a fresh one after an {@code info} completion (the old
 * process's operation may still take effect later, so it must not invoke anything else). Used by
 * one thread only.
 */
public final class ClientSession {
  private final int index;
  private final SplittableRandom random;
  private final WorkloadContext context;
  private int process;
  private long sequence;

  /**
   * A session for client thread {@code index}; its first process id is {@code index}.
   *
   * @param index the client thread's index, 0-based
   * @param random the thread's stream, derived from the run seed
   * @param context the run
   */
  public ClientSession(int index, SplittableRandom random, WorkloadContext context) {
    this.index = index;
    this.random = random;
    this.context = context;
    this.process = index;
  }

  /** The client thread's index. */
  public int index() {
    return index;
  }

  /** The thread's seeded random stream. */
  public SplittableRandom random() {
    return random;
  }

  /** The current logical process. */
  public int process() {
    return process;
  }

  /** A value never written before in this run: {@code p<process>-<n>}. */
  public String uniqueValue() {
    return "p" + process + "-" + (++sequence);
  }

  /** Records the invocation of an operation by the current process; returns its history time. */
  public long invoke(String f, String key, Object value, String node) {
    return invoke(f, key, value, null, node);
  }

  /**
   * Records the invocation of an operation that carries a fencing token (or {@code null}); returns
   * its history time.
   */
  public long invoke(String f, String key, Object value, Long token, String node) {
    return context.history().op(process, OpType.INVOKE, f, key, value, token, node, null);
  }

  /**
   * Records its completion and returns its history time; after {@code info} the session continues
   * as a fresh process.
   */
  public long complete(OpType type, String f, String key, Object value, String node, String error) {
    return complete(type, f, key, value, null, node, error);
  }

  /** As {@link #complete(OpType, String, String, Object, String, String)}, with a fencing token or {@code null}. */
  public long complete(OpType type, String f, String key, Object value, Long token, String node, String error) {
    long time = context.history().op(process, type, f, key, value, token, node, error);
    if (type == OpType.INFO) {
      process = context.newProcess();
    }
    return time;
  }
}
