package io.splitguard.cli;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How the benchmark speaks to one kind of key-value store: which HTTP request each operation is,
 * and what an answer means. The load generator and the failover harness send every request
 * through the same {@link java.net.http.HttpClient} code path whatever the store, so the only
 * difference between measuring SplitGuard and measuring etcd is the bytes on the wire that this
 * interface produces and reads.
 *
 * <p>Implementations are stateless and thread-safe: every client thread shares one.
 */
interface KvProtocol {

  /** The error code of a read that found no value; a {@code cas} of a missing key creates it. */
  String NOT_FOUND = "NOT_FOUND";

  /** The error code of a compare-and-set whose expected revision did not hold. */
  String CONFLICT = "CONFLICT";

  /**
   * One HTTP request, without transport details, so that tests can look at exactly what is sent.
   *
   * @param method {@code GET}, {@code PUT} or {@code POST}
   * @param path the path and query, starting with {@code /}
   * @param body the request body, or {@code null} for none
   * @param headers extra request headers (the content type is implied by a non-null body)
   */
  record Call(String method, String path, byte[] body, Map<String, String> headers) {
    public Call {
      headers = Map.copyOf(headers);
    }

    /** The request's absolute URI against {@code endpoint}. */
    URI uri(URI endpoint) {
      return URI.create(endpoint + path);
    }
  }

  /**
   * What an answer said.
   *
   * @param error null on success, else a code: the store's own error name, or {@link #NOT_FOUND},
   *     {@link #CONFLICT}, {@code BAD_ANSWER} for a success status whose body made no sense
   * @param revision the key's modification revision on a successful read, the store's revision
   *     after a successful write when it reports one, else -1
   * @param value the value read, on a successful read; otherwise null
   */
  record Reply(String error, long revision, String value) {
    static Reply failed(String error) {
      return new Reply(error, -1, null);
    }

    boolean ok() {
      return error == null;
    }
  }

  /** The target's name on the command line and in results. */
  String name();

  /** An unconditional write of {@code value} to {@code key}. */
  Call put(String key, String value);

  /** A read of {@code key}: linearizable, or served from the contacted member's own state. */
  Call get(String key, boolean stale);

  /**
   * A write of {@code value} that only succeeds if {@code key}'s modification revision is {@code
   * expectedRevision}; 0 means the key must not exist.
   */
  Call compareAndSet(String key, String value, long expectedRevision);

  /** What the answer to {@link #put} means. */
  Reply writeReply(int status, byte[] body);

  /**
   * What the answer to {@link #compareAndSet} means; a comparison that did not hold is {@link
   * #CONFLICT}.
   */
  default Reply casReply(int status, byte[] body) {
    return writeReply(status, body);
  }

  /** What a read's answer means; a missing key is {@link #NOT_FOUND}. */
  Reply readReply(int status, byte[] body);

  /** A request that asks the contacted member whether it is the leader. */
  Call status();

  /**
   * Whether the member that gave this answer to {@link #status()} leads; empty if the answer does
   * not say (an error, or a member that knows no leader).
   */
  Optional<Boolean> isLeader(int status, byte[] body);

  /** The protocol for a target named on the command line ({@code splitguard} or {@code etcd}). */
  static Optional<KvProtocol> named(String text) {
    return switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "splitguard" -> Optional.of(new SplitGuardProtocol());
      case "etcd" -> Optional.of(new EtcdProtocol());
      default -> Optional.empty();
    };
  }
}
