package io.splitguard.client;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Values of AP keyspaces as one node reported them. AP reads and writes are served by whichever
 * node answers, from its own state and without a quorum: an answer may not include writes taken
 * elsewhere yet. {@code stale} is set when the answering node could not reach a majority, so it
 * is likely on one side of a partition and missing the other side's writes.
 */
public final class ApValues {
  private ApValues() {}

  /**
   * One value of a multi-value or manual register, or the value of an LWW register.
   *
   * @param value the value
   * @param node the node that wrote it
   * @param clock its clock as the node rendered it (JSON text: an HLC, or a causal context)
   */
  public record Sibling(String value, String node, String clock) {
    /** Checks that the fields are present. */
    public Sibling {
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(clock, "clock");
    }
  }

  /**
   * A register: {@code lww}, {@code mv} (CRDT keyspaces) or {@code manual}.
   *
   * @param keyspace the keyspace
   * @param key the key
   * @param type {@code lww}, {@code mv} or {@code manual}
   * @param value the single value; empty when concurrent writes are kept side by side
   * @param siblings every value kept (one for LWW)
   * @param conflict whether more than one value is kept (for MANUAL: a conflict to resolve)
   * @param stale whether the answering node lacked a quorum when it answered (reads only)
   */
  public record Register(String keyspace, String key, String type, Optional<String> value, List<Sibling> siblings,
      boolean conflict, boolean stale) {
    /** Checks and copies the fields. */
    public Register {
      Objects.requireNonNull(keyspace, "keyspace");
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(value, "value");
      siblings = List.copyOf(siblings);
    }
  }

  /**
   * A PN-counter.
   *
   * @param keyspace the keyspace
   * @param name the counter's name
   * @param value the sum of every delta the answering node has seen
   * @param stale whether the answering node lacked a quorum when it answered (reads only)
   */
  public record Counter(String keyspace, String name, long value, boolean stale) {
    /** Checks that the fields are present. */
    public Counter {
      Objects.requireNonNull(keyspace, "keyspace");
      Objects.requireNonNull(name, "name");
    }
  }

  /**
   * An add-wins set of strings.
   *
   * @param keyspace the keyspace
   * @param name the set's name
   * @param elements the elements, sorted
   * @param stale whether the answering node lacked a quorum when it answered (reads only)
   */
  public record Set(String keyspace, String name, List<String> elements, boolean stale) {
    /** Checks and copies the fields. */
    public Set {
      Objects.requireNonNull(keyspace, "keyspace");
      Objects.requireNonNull(name, "name");
      elements = List.copyOf(elements);
    }
  }

  /**
   * A value that was superseded: lost a last-writer-wins merge, was overwritten, resolved or
   * deleted.
   *
   * @param value the value
   * @param node the node that wrote it
   * @param reason {@code LWW_OLDER}, {@code OVERWRITTEN}, {@code RESOLVED} or {@code DELETED}
   * @param clock its clock as JSON text
   */
  public record Superseded(String value, String node, String reason, String clock) {
    /** Checks that the fields are present. */
    public Superseded {
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(clock, "clock");
    }
  }

  /**
   * What a delete did on the node that took it.
   *
   * @param keyspace the keyspace
   * @param key the key
   * @param type {@code lww}, {@code mv} or {@code manual}
   * @param removed the values it removed there (empty for an LWW key the node held no value of:
   *     the tombstone is written anyway and wins over older writes elsewhere)
   */
  public record Deletion(String keyspace, String key, String type, List<Superseded> removed) {
    /** Checks and copies the fields. */
    public Deletion {
      Objects.requireNonNull(keyspace, "keyspace");
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(type, "type");
      removed = List.copyOf(removed);
    }
  }
}
