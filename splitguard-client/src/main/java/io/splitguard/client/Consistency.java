package io.splitguard.client;

/** Read consistency requested from a node, sent as {@code ?consistency=} on {@code GET /v1/kv}. */
public enum Consistency {
  /**
   * The read reflects every write acknowledged before it started. Only a node on the side of the
   * cluster that holds a quorum can serve it; a node without quorum answers {@code PARTITIONED}.
   */
  LINEARIZABLE("linearizable"),

  /**
   * The node answers from its local state even without quorum (keyspaces with strategy
   * {@code CP_STALE_READS}); the answer is marked {@link KvEntry#stale()} and carries the
   * {@link KvEntry#appliedIndex()} it reflects.
   */
  STALE("stale");

  private final String wireName;

  Consistency(String wireName) {
    this.wireName = wireName;
  }

  /** The value of the {@code consistency} query parameter. */
  String wireName() {
    return wireName;
  }
}
