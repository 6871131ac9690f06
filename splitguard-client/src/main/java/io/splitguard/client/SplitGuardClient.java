package io.splitguard.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import javax.net.ssl.SSLHandshakeException;

/**
 * Blocking, thread-safe client for the SplitGuard HTTP API (v1) of a cluster of nodes.
 *
 * <pre>{@code
 * try (SplitGuardClient client = SplitGuardClient.builder()
 *     .endpoints(List.of(URI.create("http://10.0.0.1:8101"), URI.create("http://10.0.0.2:8101"),
 *         URI.create("http://10.0.0.3:8101")))
 *     .deadline(Duration.ofSeconds(10))
 *     .build()) {
 *   KvEntry created = client.putIfRevision("config/mode", "active", 0); // create only
 *   try {
 *     client.putIfRevision("config/mode", "passive", created.revision());
 *   } catch (ConflictException e) {
 *     // someone else wrote in between: re-read and decide
 *   } catch (OutcomeUnknownException e) {
 *     // may or may not have applied: read back before acting on either assumption
 *     Optional<KvEntry> now = client.get("config/mode");
 *   }
 *   Optional<KvEntry> maybeOld = client.get("config/mode", Consistency.STALE);
 * }
 * }</pre>
 *
 * <h2>Retry rules</h2>
 *
 * <p>Each call has an overall <b>deadline</b> (default 15 s) that bounds all its attempts and the
 * waits between them; each attempt is bounded by the <b>request timeout</b> (default 5 s) or the
 * time left, whichever is shorter. A call starts on the endpoint that last answered successfully
 * (initially the first configured one); a write starts on the leader instead when a node has
 * named it in its {@code SplitGuard-Leader} answer header and it is a configured endpoint, which
 * saves the hop of a follower forwarding the write (the hint is dropped when an attempt there
 * fails, and replaced by the next answer that names another leader). After every retryable failure the next attempt goes to
 * the next endpoint in the configured order (wrapping around), or to the leader named by a
 * {@code NOT_LEADER} answer if it names a configured endpoint: its {@code leaderAddress} ({@code
 * host:port}, or a URI with the same authority) is matched first, then its {@code leader} node id
 * (which matches only where endpoints use node ids as host names); hints to other hosts are never
 * followed.
 *
 * <ol>
 *   <li><b>Retried for every call:</b> failures that prove the request was not delivered or was
 *       refused before anything applied: connection refused, connect timeout, unknown host, no
 *       route, TLS handshake failure; and the answers {@code PARTITIONED} and {@code NOT_LEADER}.
 *   <li><b>Retried for reads only</b> ({@link #get}, {@link #status()}, {@link #lock}, {@link
 *       #guardedGet}; they are idempotent, and so is {@link #keepAlive}, which is treated as one):
 *       every other failure too: request timeout, connection lost after sending, {@code TIMEOUT}
 *       (504), any 5xx answer without a known problem code.
 *   <li><b>Writes</b> ({@link #put}, {@link #putIfRevision}, {@link #delete}, {@link
 *       #deleteIfRevision}, {@link #acquire}, {@link #acquireLease}, {@link #release(String, long)},
 *       {@link #guardedPut})
 *       are <b>never retried after an ambiguous failure</b> (request timeout,
 *       connection lost after sending, interruption while waiting for the answer, {@code TIMEOUT},
 *       a 5xx without a known code): they throw {@link OutcomeUnknownException} at once, because
 *       the write may have applied and repeating it could apply it twice or overwrite a newer
 *       value. A PUT counts as a write here even though HTTP calls PUT idempotent.
 *   <li><b>Never retried:</b> {@code CONFLICT}, {@code FENCED}, {@code BAD_REQUEST}, {@code
 *       UNAUTHORIZED}/{@code FORBIDDEN}, {@code NOT_FOUND}, and answers this client cannot
 *       interpret; they are thrown as their {@link SplitGuardException} subclass.
 *   <li><b>Backoff:</b> before retry {@code n} the client waits a delay drawn uniformly from
 *       {@code [0, min(maxBackoff, initialBackoff * 2^(n-1))]} (full jitter; defaults 50 ms and 1
 *       s). A {@code Retry-After} (seconds) on a {@code PARTITIONED} answer raises that delay to at
 *       least its value, but only if the retry would still start in time (see giving up);
 *       otherwise it is ignored, since another node may be on the majority side.
 *   <li><b>Giving up:</b> if the deadline has passed, or the next delay would leave less than
 *       {@link #MIN_RETRY_TIME} (or the request timeout, if shorter) for the retry, the call
 *       throws {@link UnavailableException} with the last failure as its cause. Because rule 3
 *       throws before any ambiguous failure could be retried, a write that ends in {@code
 *       UnavailableException} certainly did not apply.
 * </ol>
 *
 * <p>{@link #status(URI)} is the exception to rotation and retries: it asks one node once,
 * because when the caller names a node its unreachability is the answer.
 *
 * <p>Caveat: the request timeout also runs while connecting, and the JDK does not say which
 * phase it expired in, so a write whose attempt is cut short by the request timeout (or by the
 * deadline) while still connecting is conservatively reported as {@link
 * OutcomeUnknownException}. Keep {@link Builder#connectTimeout connectTimeout} well below the
 * request timeout so that unreachable nodes fail as "not delivered" instead.
 *
 * <h2>Threading and lifecycle</h2>
 *
 * <p>All methods block the calling thread (waiting through the injected {@link Sleeper}) and may
 * be called concurrently. {@link #close()} stops the client's HTTP worker threads; calls made
 * after it throw {@link IllegalStateException}, and calls in flight may fail.
 *
 * <p>Keys may contain any character, including {@code /}; they are percent-encoded as one path
 * segment. Values are arbitrary strings.
 */
public final class SplitGuardClient implements AutoCloseable {

  /** Default bound of a single HTTP attempt: 5 s. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);

  /** Default bound of establishing a connection: 1 s, ample on a LAN, short enough to move on. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);

  /** Default overall bound of one call, all attempts and backoff included: 15 s. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(15);

  /**
   * Least time a retry is started with: 200 ms, or the request timeout if that is shorter. A
   * retry with only a few milliseconds left would be cut off by the deadline, which turns a write
   * that certainly did not apply into one whose outcome is unknown; the call gives up instead.
   */
  public static final Duration MIN_RETRY_TIME = Duration.ofMillis(200);

  /** Default cap of the first backoff delay: 50 ms. */
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(50);

  /** Default largest backoff cap: 1 s. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(1);

  /**
   * Default safety margin of lock validity: 500 ms. It must exceed the largest difference between
   * the wall clocks of the cluster's nodes plus the drift of this machine's clock over one TTL.
   */
  public static final Duration DEFAULT_LOCK_SAFETY_MARGIN = Duration.ofMillis(500);

  private static final String JSON = "application/json";
  private static final String LEADER_HEADER = "SplitGuard-Leader";
  private static final long NO_PRECONDITION = -1;

  private final List<URI> endpoints;
  private final Duration requestTimeout;
  private final Duration deadline;
  private final Duration minRetryTime;
  private final Backoff backoff;
  private final Sleeper sleeper;
  private final Ticker ticker;
  private final Wire wire;
  private final ExecutorService httpExecutor;
  private final HttpClient http;
  // Where the next call starts: the endpoint that last answered, so a healthy node keeps the
  // traffic and a dead one costs a single failed connect rather than one per call.
  private final AtomicInteger preferred = new AtomicInteger();
  // The configured endpoint the last SplitGuard-Leader header named, or -1: where writes start.
  private final AtomicInteger leader = new AtomicInteger(-1);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Duration lockSafetyMargin;
  private final KeepAliveScheduler injectedScheduler;
  private KeepAliveScheduler keepAliveScheduler; // created on first acquire; guarded by handles
  private final Set<LockHandle> handles = new HashSet<>();

  private SplitGuardClient(Builder b) {
    this.endpoints = b.endpoints;
    this.requestTimeout = orDefault(b.requestTimeout, DEFAULT_REQUEST_TIMEOUT);
    this.deadline = orDefault(b.deadline, DEFAULT_DEADLINE);
    this.minRetryTime =
        requestTimeout.compareTo(MIN_RETRY_TIME) < 0 ? requestTimeout : MIN_RETRY_TIME;
    this.backoff =
        b.initialBackoff == null
            ? new Backoff(DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_BACKOFF, orNewRandom(b.random))
            : new Backoff(b.initialBackoff, b.maxBackoff, orNewRandom(b.random));
    this.sleeper = orDefault(b.sleeper, Sleeper.system());
    this.ticker = orDefault(b.ticker, Ticker.system());
    this.lockSafetyMargin = orDefault(b.lockSafetyMargin, DEFAULT_LOCK_SAFETY_MARGIN);
    this.injectedScheduler = b.scheduler;
    this.wire = new Wire(new ObjectMapper());
    this.httpExecutor = Executors.newCachedThreadPool(daemonThreads());
    this.http =
        HttpClient.newBuilder()
            // HTTP/1.1 because HTTP_2 over plain http sends an h2c upgrade that buys nothing here.
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(orDefault(b.connectTimeout, DEFAULT_CONNECT_TIMEOUT))
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(httpExecutor)
            .build();
  }

  private static <T> T orDefault(T value, T defaultValue) {
    return value != null ? value : defaultValue;
  }

  private static RandomGenerator orNewRandom(RandomGenerator random) {
    return random != null ? random : new SplittableRandom();
  }

  private static ThreadFactory daemonThreads() {
    AtomicInteger count = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "splitguard-client-http-" + count.incrementAndGet());
      // Daemon so that a client someone forgot to close does not keep the JVM alive.
      t.setDaemon(true);
      return t;
    };
  }

  /** A builder with the documented defaults; only {@link Builder#endpoints} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The configured endpoints, normalised (no trailing slash), in rotation order. */
  public List<URI> endpoints() {
    return endpoints;
  }

  /**
   * The status of the first endpoint that answers, trying endpoints in rotation order from the
   * one that last answered (see the retry rules in the class documentation).
   *
   * @throws UnavailableException if no endpoint answered before the deadline
   * @throws SplitGuardException for a refusal such as {@link AuthException}
   */
  public Status status() {
    return execute(Call.read("/v1/status"), Wire::status);
  }

  /**
   * The consensus configuration: every member with its role.
   *
   * @throws UnavailableException if no endpoint answered before the deadline
   */
  public List<ConfigMember> members() {
    return execute(Call.read("/v1/members"), SplitGuardClient::parseMembers);
  }

  /**
   * Changes one member's part in consensus: {@code demote} (voter to listener), {@code promote}
   * (listener to voter) or {@code remove}. The node refuses a change that would leave fewer voters
   * than a majority of the current ones, or a new majority it cannot reach ({@link
   * ConflictException}, the detail says why).
   *
   * @return the configuration after the change
   * @throws NotFoundException if there is no such member
   * @throws OutcomeUnknownException if the change may or may not have been made
   */
  public List<ConfigMember> changeMember(String id, String action) {
    String path = "/v1/members/" + java.net.URLEncoder.encode(Objects.requireNonNull(id, "id"),
        java.nio.charset.StandardCharsets.UTF_8);
    Call call = switch (action) {
      case "demote", "promote" -> Call.write("POST", path + "/" + action, "{}", NO_PRECONDITION);
      case "remove" -> Call.write("DELETE", path, null, NO_PRECONDITION);
      default -> throw new IllegalArgumentException("action must be demote, promote or remove, got '" + action + "'");
    };
    return execute(call, SplitGuardClient::parseMembers);
  }

  /**
   * Adds a brand-new node to the configuration as a non-voting listener; it catches up from the
   * leader, and can be promoted once it has. The node should be running with {@code --join}.
   *
   * @param id its node id
   * @param raft its Raft address, {@code host:port}
   * @param api its HTTP API (and heartbeat) address, {@code host:port}
   * @return the configuration after the change
   * @throws BadRequestException if a field is malformed (the detail names it)
   * @throws ConflictException if the id is taken or an address is in use
   * @throws OutcomeUnknownException if the change may or may not have been made
   */
  public List<ConfigMember> addMember(String id, String raft, String api) {
    String body = wire.addMemberBody(Objects.requireNonNull(id, "id"), Objects.requireNonNull(raft, "raft"),
        Objects.requireNonNull(api, "api"));
    return execute(Call.write("POST", "/v1/members", body, NO_PRECONDITION), SplitGuardClient::parseMembers);
  }

  private static List<ConfigMember> parseMembers(JsonNode body) {
    List<ConfigMember> out = new java.util.ArrayList<>();
    for (JsonNode m : body.path("members")) {
      out.add(new ConfigMember(m.path("id").asText(), m.path("role").asText(), m.path("address").asText(""),
          m.path("reachable").asBoolean(false)));
    }
    return List.copyOf(out);
  }

  /**
   * The status of one node, asked once without retries. The node need not be one of the
   * configured endpoints.
   *
   * @param endpoint the node's base URI, for example {@code http://10.0.0.2:8101}
   * @throws UnavailableException if the node could not be reached or did not answer in time
   *     (cause: the I/O failure), or answered with a 5xx or {@code TIMEOUT} (cause: that answer)
   * @throws SplitGuardException for a refusal such as {@link AuthException}
   */
  public Status status(URI endpoint) {
    ensureOpen();
    URI target = normalize(endpoint);
    Duration timeout = requestTimeout.compareTo(deadline) < 0 ? requestTimeout : deadline;
    Attempt<Status> a;
    try {
      a = attempt(target, Call.read("/v1/status"), Wire::status, timeout);
    } catch (InterruptedException e) {
      throw interrupted(1, e);
    }
    if (a instanceof Done<Status> done) {
      return done.value();
    }
    Retry<Status> retry = (Retry<Status>) a;
    throw new UnavailableException(
        Problem.clientSide("UNAVAILABLE", "node did not answer: " + describe(retry.cause()), target),
        1,
        retry.cause());
  }

  /**
   * Writes {@code value} under {@code key} unconditionally.
   *
   * @param key the key; any non-empty text, sent percent-encoded as one path segment
   * @param value the value
   * @return the key as written, with its new revision
   * @throws OutcomeUnknownException if the write may or may not have applied
   * @throws UnavailableException if no node accepted the write before the deadline (it did not
   *     apply)
   * @throws BadRequestException if the node rejected the key or value (for example too long)
   * @throws IllegalArgumentException if {@code key} is empty or not valid UTF-16 text
   */
  public KvEntry put(String key, String value) {
    return putIfRevision0(key, value, NO_PRECONDITION);
  }

  /**
   * Writes {@code value} under {@code key} only if the key's modification revision is {@code
   * expectedRevision} (sent as {@code If-Match}); {@code 0} means the key must not exist, which
   * makes this a create-only put.
   *
   * @param key the key; any non-empty text, sent percent-encoded as one path segment
   * @param value the value
   * @param expectedRevision the modification revision the key must have, or {@code 0} for "must
   *     not exist"
   * @return the key as written, with its new revision
   * @throws ConflictException if the key's revision differs (it carries the current revision if
   *     the node reported it)
   * @throws OutcomeUnknownException if the write may or may not have applied; because the write is
   *     conditional, repeating the same call is then safe: it either applies or fails with {@link
   *     ConflictException} if the first one had applied
   * @throws UnavailableException if no node accepted the write before the deadline (it did not
   *     apply)
   * @throws IllegalArgumentException if {@code expectedRevision} is negative or {@code key} is
   *     invalid
   */
  public KvEntry putIfRevision(String key, String value, long expectedRevision) {
    requireRevision(expectedRevision);
    return putIfRevision0(key, value, expectedRevision);
  }

  private KvEntry putIfRevision0(String key, String value, long expectedRevision) {
    Objects.requireNonNull(value, "value");
    String path = KeyPaths.kv(Objects.requireNonNull(key, "key"));
    return execute(Call.write("PUT", path, wire.putBody(value), expectedRevision), Wire::entry);
  }

  /**
   * Reads {@code key} linearizably: the answer reflects every write acknowledged before the call.
   *
   * @param key the key; any non-empty text, sent percent-encoded as one path segment
   * @return the entry, or empty if the key does not exist
   * @throws UnavailableException if no node on the quorum side answered before the deadline
   */
  public Optional<KvEntry> get(String key) {
    return get(key, Consistency.LINEARIZABLE);
  }

  /**
   * Reads {@code key} with the given consistency. A {@link Consistency#STALE} read may be served
   * by a node without quorum; its answer says so ({@link KvEntry#stale()}).
   *
   * @param key the key; any non-empty text, sent percent-encoded as one path segment
   * @param consistency the consistency to ask for
   * @return the entry, or empty if the node answered {@code NOT_FOUND}
   * @throws UnavailableException if no node answered before the deadline
   */
  public Optional<KvEntry> get(String key, Consistency consistency) {
    Objects.requireNonNull(consistency, "consistency");
    String path =
        KeyPaths.kv(Objects.requireNonNull(key, "key")) + "?consistency=" + consistency.wireName();
    try {
      return Optional.of(execute(Call.read(path), Wire::entry));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  /**
   * Deletes {@code key} unconditionally.
   *
   * <p>A missing key is an error rather than a no-op so that the caller can tell "I deleted it"
   * from "it was already gone": there is no delete revision to return in the latter case.
   *
   * @param key the key; any non-empty text, sent percent-encoded as one path segment
   * @return the global revision at which the delete applied
   * @throws NotFoundException if the key does not exist
   * @throws OutcomeUnknownException if the delete may or may not have applied
   * @throws UnavailableException if no node accepted the delete before the deadline (it did not
   *     apply)
   */
  public long delete(String key) {
    return delete0(key, NO_PRECONDITION);
  }

  /**
   * Deletes {@code key} only if its modification revision is {@code expectedRevision} (sent as
   * {@code If-Match}).
   *
   * @param key the key; any non-empty text, sent percent-encoded as one path segment
   * @param expectedRevision the modification revision the key must have
   * @return the global revision at which the delete applied
   * @throws ConflictException if the key's revision differs
   * @throws NotFoundException if the node reports the key missing with {@code NOT_FOUND} rather
   *     than {@code CONFLICT}
   * @throws OutcomeUnknownException if the delete may or may not have applied
   * @throws UnavailableException if no node accepted the delete before the deadline
   * @throws IllegalArgumentException if {@code expectedRevision} is negative
   */
  public long deleteIfRevision(String key, long expectedRevision) {
    requireRevision(expectedRevision);
    return delete0(key, expectedRevision);
  }

  private long delete0(String key, long expectedRevision) {
    String path = KeyPaths.kv(Objects.requireNonNull(key, "key"));
    return execute(Call.write("DELETE", path, null, expectedRevision), Wire::deleteRevision);
  }


  // ---- locks and guarded resources -------------------------------------------------------------

  /**
   * Acquires {@code name} for {@code owner} and keeps the lease alive until the handle is
   * released or closed. See {@link LockHandle} for how validity is judged.
   *
   * @param name the lock; any non-empty text, sent percent-encoded as one path segment
   * @param owner who holds it (free text shown to others; make it unique per process, for example
   *     host and pid, so that a holder can recognise its own lease)
   * @param ttl the lease's time to live; the cluster accepts {@code 2 x electionTimeoutMax} (4 s by
   *     default) to 1 h, in whole milliseconds
   * @return the held lock
   * @throws ConflictException if the lock is held by an unexpired lease, also one of the same
   *     owner ({@link ConflictException#holder()} says whose, under which token, until when)
   * @throws OutcomeUnknownException if the lock may or may not have been granted: read it with
   *     {@link #lock(String)}; if the holder is {@code owner}, release it with its token (or let it
   *     expire) and acquire again
   * @throws UnavailableException if no node took the request before the deadline (not granted)
   * @throws BadRequestException if the node refused the name, owner or TTL
   * @throws IllegalArgumentException if {@code ttl} is not longer than twice the lock safety margin
   */
  public LockHandle acquire(String name, String owner, Duration ttl) {
    return acquire(name, owner, ttl, null);
  }

  /**
   * As {@link #acquire(String, String, Duration)}, telling {@code listener} when the lease is
   * lost.
   *
   * @param listener called at most once, when the lease is lost; may be {@code null}
   */
  public LockHandle acquire(String name, String owner, Duration ttl, LockListener listener) {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.compareTo(lockSafetyMargin.multipliedBy(2)) <= 0) {
      throw new IllegalArgumentException(
          "ttl " + ttl + " must be longer than twice the lock safety margin " + lockSafetyMargin);
    }
    // Taken before the first attempt: the cluster stamps the grant no earlier than this.
    long sentAt = ticker.nanoTime();
    LockInfo granted = acquireLease(name, owner, ttl);
    LockHandle handle;
    synchronized (handles) {
      ensureOpen();
      if (keepAliveScheduler == null) {
        keepAliveScheduler = injectedScheduler != null ? injectedScheduler : KeepAliveScheduler.threads();
      }
      handle = new LockHandle(this, keepAliveScheduler, ticker, granted, ttl, lockSafetyMargin, sentAt, listener);
      handles.add(handle);
      handle.start();
    }
    return handle;
  }

  /**
   * Acquires {@code name} once, without a handle and without keep-alives: the lease ends after
   * {@code ttl} unless kept alive with {@link #keepAlive(String, long)} or released with {@link
   * #release(String, long)}. For tools (the CLI) and callers that manage leases themselves;
   * applications should use {@link #acquire(String, String, Duration)}.
   *
   * @return the granted lease
   * @throws ConflictException if the lock is held by an unexpired lease
   * @throws OutcomeUnknownException if the lock may or may not have been granted
   * @throws UnavailableException if no node took the request before the deadline (not granted)
   */
  public LockInfo acquireLease(String name, String owner, Duration ttl) {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(ttl, "ttl");
    String path = KeyPaths.lock(Objects.requireNonNull(name, "name"));
    return execute(
        Call.write("POST", path, wire.acquireBody(owner, ttl.toMillis()), NO_PRECONDITION), Wire::lockInfo);
  }

  /**
   * Extends the lease held under {@code token} by its TTL from now. {@link LockHandle} does this
   * by itself; this is for callers that manage tokens themselves. Retried like a read (repeating
   * a keep-alive is harmless).
   *
   * @return the lease with its new expiry
   * @throws FencedException if {@code token} does not hold the lock (any more)
   * @throws UnavailableException if no node confirmed it before the deadline
   */
  public LockInfo keepAlive(String name, long token) {
    return keepAlive(name, token, deadline);
  }

  LockInfo keepAlive(String name, long token, Duration callDeadline) {
    requireToken(token);
    String path = KeyPaths.lock(Objects.requireNonNull(name, "name")) + "/keepalive";
    Duration bound = callDeadline.compareTo(deadline) < 0 ? callDeadline : deadline;
    return execute(
        new Call("POST", path, wire.tokenBody(token), NO_PRECONDITION, true, true), Wire::lockInfo, bound);
  }

  /**
   * Releases the lease held under {@code token}, freeing the lock at once. {@link
   * LockHandle#release()} does this for a handle.
   *
   * @return the registry revision of the release
   * @throws FencedException if {@code token} does not hold the lock (any more)
   * @throws OutcomeUnknownException if the release may or may not have applied
   * @throws UnavailableException if no node took the release before the deadline (not released)
   */
  public long release(String name, long token) {
    requireToken(token);
    String path = KeyPaths.lock(Objects.requireNonNull(name, "name"));
    return execute(Call.write("DELETE", path, wire.tokenBody(token), NO_PRECONDITION), Wire::deleteRevision);
  }

  /**
   * Declares a keyspace (needs a quorum). Repeating an identical declaration is harmless, so the
   * call is retried like a read after an ambiguous failure.
   *
   * @param name the keyspace name ({@code [A-Za-z0-9._-]}, at most 64 characters)
   * @param mode {@code CP}, {@code CP_STALE_READS} or {@code AP}
   * @param merge for AP: {@code LWW}, {@code CRDT} or {@code MANUAL}; {@code null} otherwise
   * @param graceMs for MANUAL: the grace period, or {@code null} for the default
   * @return the keyspace as declared
   * @throws ConflictException if the keyspace exists with another mode or merge policy
   * @throws BadRequestException if the declaration is invalid
   */
  public KeyspaceInfo declareKeyspace(String name, String mode, String merge, Long graceMs) {
    String path = KeyPaths.keyspace(Objects.requireNonNull(name, "name"));
    return execute(new Call("PUT", path, wire.declareBody(Objects.requireNonNull(mode, "mode"), merge, graceMs),
        NO_PRECONDITION, true, true), Wire::keyspace);
  }

  /** Every keyspace the answering node has applied, {@code default} first. */
  public List<KeyspaceInfo> keyspaces() {
    return execute(Call.read("/v1/keyspaces"), Wire::keyspaces);
  }

  /** The keyspace called {@code name}, or empty if the answering node does not know it. */
  public Optional<KeyspaceInfo> keyspace(String name) {
    try {
      return Optional.of(execute(Call.read(KeyPaths.keyspace(Objects.requireNonNull(name, "name"))), Wire::keyspace));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  // ---- AP keyspaces: served by the answering node alone, without a quorum ----------------------

  /**
   * Reads an AP register ({@code LWW}, {@code CRDT} or {@code MANUAL} keyspace) from the answering
   * node's state: every value it keeps (siblings), whether they conflict, and whether the node
   * lacked a quorum ({@link ApValues.Register#stale()}).
   *
   * @return empty if the key holds no value on that node (never written there, or deleted)
   * @throws BadRequestException if the keyspace is CP
   */
  public Optional<ApValues.Register> apGet(String keyspace, String key) {
    try {
      return Optional.of(execute(Call.read(apPath(keyspace, "kv", key)), Wire::register));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  /**
   * Writes an AP register on the answering node (LWW: stamped by its clock; CRDT: replaces the
   * values seen there; MANUAL: refused while the key is in conflict).
   *
   * @throws ConflictException if a MANUAL key is in conflict, or the key holds another type
   * @throws OutcomeUnknownException if the write may or may not have applied
   */
  public ApValues.Register apPut(String keyspace, String key, String value) {
    Objects.requireNonNull(value, "value");
    return execute(Call.apWrite("PUT", apPath(keyspace, "kv", key), wire.putBody(value)),
        Wire::register);
  }

  /**
   * Deletes an AP register on the answering node: an LWW tombstone (written even if that node
   * holds no value: it wins over older writes elsewhere), or the removal of the values a
   * multi-value or manual register holds there (a write concurrent with the delete survives).
   *
   * @return what was removed; empty if a multi-value or manual register held no value there
   * @throws ConflictException if a MANUAL key is in conflict (resolve it first)
   * @throws OutcomeUnknownException if the delete may or may not have applied
   */
  public Optional<ApValues.Deletion> apDelete(String keyspace, String key) {
    try {
      return Optional.of(execute(Call.apWrite("DELETE", apPath(keyspace, "kv", key), null),
          Wire::deletion));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  /**
   * Resolves a MANUAL key to {@code value}: every value kept is recorded as superseded.
   *
   * @throws BadRequestException if the keyspace is not MANUAL
   * @throws OutcomeUnknownException if the resolution may or may not have applied
   */
  public ApValues.Register apResolve(String keyspace, String key, String value) {
    Objects.requireNonNull(value, "value");
    return execute(Call.apWrite("POST", apPath(keyspace, "kv", key) + "/resolve", wire.putBody(value)),
        Wire::register);
  }

  /** The superseded values of an AP key the answering node keeps (its newest ones), oldest first. */
  public List<ApValues.Superseded> apHistory(String keyspace, String key) {
    return execute(Call.read(apPath(keyspace, "kv", key) + "/history"), n -> Wire.superseded(n.path("superseded")));
  }

  /**
   * Adds {@code delta} (negative to decrement) to a counter of a CRDT keyspace. Not idempotent:
   * an outcome-unknown failure is not retried.
   *
   * @throws OutcomeUnknownException if the delta may or may not have been applied
   */
  public ApValues.Counter counterAdd(String keyspace, String name, long delta) {
    if (delta == Long.MIN_VALUE) {
      throw new IllegalArgumentException("delta out of range: " + delta);
    }
    return execute(Call.apWrite("POST", apPath(keyspace, "counters", name), wire.deltaBody(delta)),
        Wire::counter);
  }

  /** Reads a counter of a CRDT keyspace; empty if the answering node has not seen it. */
  public Optional<ApValues.Counter> counterGet(String keyspace, String name) {
    try {
      return Optional.of(execute(Call.read(apPath(keyspace, "counters", name)), Wire::counter));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  /**
   * Adds and removes elements of a set of a CRDT keyspace (removes first). A remove cancels only
   * the adds the answering node has seen.
   *
   * @throws IllegalArgumentException if both lists are empty
   */
  public ApValues.Set setUpdate(String keyspace, String name, List<String> add, List<String> remove) {
    if (add.isEmpty() && remove.isEmpty()) {
      throw new IllegalArgumentException("nothing to add or remove");
    }
    return execute(Call.apWrite("POST", apPath(keyspace, "sets", name), wire.setBody(add, remove)),
        Wire::set);
  }

  /** Reads a set of a CRDT keyspace; empty if the answering node has not seen it. */
  public Optional<ApValues.Set> setGet(String keyspace, String name) {
    try {
      return Optional.of(execute(Call.read(apPath(keyspace, "sets", name)), Wire::set));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  private static String apPath(String keyspace, String kind, String name) {
    return KeyPaths.ap(Objects.requireNonNull(keyspace, "keyspace"), kind, Objects.requireNonNull(name, "name"));
  }

  /**
   * Reads a lock linearizably: the answer is decided by the cluster's replicated clock at a point
   * after the call started.
   *
   * @return the lease (possibly {@link LockInfo#expired() expired}), or empty if the lock is free
   */
  public Optional<LockInfo> lock(String name) {
    return lock(name, Consistency.LINEARIZABLE);
  }

  /**
   * Reads a lock with the given consistency. A stale answer reflects a node's applied state,
   * whose replicated clock may lag: it may miss later keep-alives, grants and releases.
   *
   * @return the lease, or empty if the node answered that the lock is not held
   */
  public Optional<LockInfo> lock(String name, Consistency consistency) {
    Objects.requireNonNull(consistency, "consistency");
    String path = KeyPaths.lock(Objects.requireNonNull(name, "name")) + "?consistency=" + consistency.wireName();
    try {
      return Optional.of(execute(Call.read(path), Wire::lockInfo));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  /**
   * Writes {@code value} to the guarded resource {@code resource} under the handle's fencing
   * token. The resource accepts it only if no newer token has written there; the handle's local
   * validity is not checked (the token decides).
   *
   * @throws FencedException if a newer token has written to the resource ({@link
   *     FencedException#highestToken()}): this holder has been superseded
   * @throws OutcomeUnknownException if the write may or may not have applied
   */
  public GuardedValue guardedPut(String resource, String value, LockHandle lock) {
    return guardedPut(resource, value, Objects.requireNonNull(lock, "lock").token());
  }

  /**
   * Writes {@code value} to the guarded resource {@code resource} if {@code token} is at least the
   * highest token the resource has accepted (equal tokens may write repeatedly). The token is not
   * checked against the lock table.
   *
   * @return the resource's new state
   * @throws FencedException if a newer token has written there ({@link
   *     FencedException#highestToken()})
   * @throws OutcomeUnknownException if the write may or may not have applied
   * @throws UnavailableException if no node took the write before the deadline (not applied)
   */
  public GuardedValue guardedPut(String resource, String value, long token) {
    requireToken(token);
    Objects.requireNonNull(value, "value");
    String path = KeyPaths.guarded(Objects.requireNonNull(resource, "resource"));
    return execute(Call.write("PUT", path, wire.guardedBody(token, value), NO_PRECONDITION), Wire::guardedValue);
  }

  /** Reads a guarded resource linearizably; empty if it was never written. */
  public Optional<GuardedValue> guardedGet(String resource) {
    return guardedGet(resource, Consistency.LINEARIZABLE);
  }

  /** Reads a guarded resource with the given consistency; empty if it was never written. */
  public Optional<GuardedValue> guardedGet(String resource, Consistency consistency) {
    Objects.requireNonNull(consistency, "consistency");
    String path = KeyPaths.guarded(Objects.requireNonNull(resource, "resource"))
        + "?consistency=" + consistency.wireName();
    try {
      return Optional.of(execute(Call.read(path), Wire::guardedValue));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  /** A handle no longer needs its keep-alives stopped on close. */
  void ended(LockHandle handle) {
    synchronized (handles) {
      handles.remove(handle);
    }
  }

  private static void requireToken(long token) {
    if (token <= 0) {
      throw new IllegalArgumentException("token must be positive: " + token);
    }
  }

  /**
   * Stops the HTTP worker threads and the keep-alives of every open {@link LockHandle} (their
   * leases then expire after their TTL; release them first to free the locks at once). Idempotent.
   * Later calls throw {@link IllegalStateException}.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      synchronized (handles) {
        handles.forEach(LockHandle::abandon);
        handles.clear();
        if (keepAliveScheduler != null) {
          keepAliveScheduler.shutdown();
        }
      }
      httpExecutor.shutdown();
    }
  }

  private static void requireRevision(long expectedRevision) {
    if (expectedRevision < 0) {
      throw new IllegalArgumentException("expectedRevision must be >= 0: " + expectedRevision);
    }
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("client is closed");
    }
  }

  /** The retry loop; see the class documentation for the rules it implements. */
  private <T> T execute(Call call, Function<JsonNode, T> parser) {
    return execute(call, parser, deadline);
  }

  private <T> T execute(Call call, Function<JsonNode, T> parser, Duration callDeadline) {
    ensureOpen();
    long deadlineAt = ticker.nanoTime() + callDeadline.toNanos();
    int knownLeader = leader.get();
    int index = Math.floorMod(
        call.toLeader() && knownLeader >= 0 ? knownLeader : preferred.get(), endpoints.size());
    int attempts = 0;
    Throwable lastFailure = null;
    while (true) {
      long remaining = deadlineAt - ticker.nanoTime();
      if (remaining <= 0) {
        throw giveUp(callDeadline, attempts, lastFailure);
      }
      Duration timeout = Duration.ofNanos(Math.min(requestTimeout.toNanos(), remaining));
      attempts++;
      Attempt<T> a;
      try {
        a = attempt(endpoints.get(index), call, parser, timeout);
      } catch (InterruptedException e) {
        throw interrupted(attempts, e);
      }
      if (a instanceof Done<T> done) {
        preferred.set(index);
        return done.value();
      }
      Retry<T> retry = (Retry<T>) a;
      lastFailure = retry.cause();
      leader.compareAndSet(index, -1);
      int hinted = endpointNamedBy(retry.leaderAddress());
      if (hinted < 0) {
        hinted = endpointNamedBy(retry.leaderId());
      }
      index = hinted >= 0 && hinted != index ? hinted : (index + 1) % endpoints.size();

      // The retry must start early enough to finish: it needs MIN_RETRY_TIME after the delay.
      Duration left = Duration.ofNanos(deadlineAt - ticker.nanoTime()).minus(minRetryTime);
      Duration delay = backoff.delay(attempts, retry.retryAfter(), left);
      // Waiting until (or past) that point only to give up then would waste the caller's time.
      if (delay.compareTo(left) >= 0) {
        throw giveUp(callDeadline, attempts, lastFailure);
      }
      try {
        sleeper.sleep(delay);
      } catch (InterruptedException e) {
        throw interrupted(attempts, e);
      }
    }
  }

  private static UnavailableException interrupted(int attempts, InterruptedException e) {
    // Restore the flag so that the caller's own loop or executor still sees the interruption.
    Thread.currentThread().interrupt();
    return new UnavailableException(
        Problem.clientSide("UNAVAILABLE", "interrupted", null), attempts, e);
  }

  private static UnavailableException giveUp(Duration deadline, int attempts, Throwable lastFailure) {
    String detail =
        "no endpoint served the request within "
            + deadline
            + " ("
            + attempts
            + " attempts); last failure: "
            + (lastFailure == null ? "none" : describe(lastFailure));
    return new UnavailableException(
        Problem.clientSide("UNAVAILABLE", detail, null), attempts, lastFailure);
  }

  /**
   * One HTTP exchange. Returns the parsed answer or a retryable failure; throws failures that
   * must reach the caller (refusals, and ambiguous failures of writes).
   *
   * @throws InterruptedException only for idempotent calls; an interrupted write is reported as
   *     outcome-unknown here because it may already have been sent
   */
  private <T> Attempt<T> attempt(
      URI endpoint, Call call, Function<JsonNode, T> parser, Duration timeout)
      throws InterruptedException {
    HttpRequest.Builder rb =
        HttpRequest.newBuilder(URI.create(endpoint + call.pathAndQuery()))
            .timeout(timeout)
            .header("Accept", JSON + ", application/problem+json");
    if (call.ifMatch() != NO_PRECONDITION) {
      rb.header("If-Match", Long.toString(call.ifMatch()));
    }
    if (call.body() != null) {
      rb.header("Content-Type", JSON)
          .method(call.method(), HttpRequest.BodyPublishers.ofString(call.body()));
    } else {
      rb.method(call.method(), HttpRequest.BodyPublishers.noBody());
    }

    HttpResponse<byte[]> response;
    try {
      response = http.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      if (call.idempotent() || notDelivered(e)) {
        return new Retry<>(e, null);
      }
      throw outcomeUnknown(endpoint, "no answer: " + describe(e), e);
    } catch (InterruptedException e) {
      if (call.idempotent()) {
        throw e;
      }
      Thread.currentThread().interrupt();
      throw outcomeUnknown(endpoint, "interrupted while waiting for an answer", e);
    }

    response.headers().firstValue(LEADER_HEADER).map(this::endpointNamedBy)
        .filter(i -> i >= 0).ifPresent(leader::set);
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      try {
        return new Done<>(parser.apply(wire.parse(response.body())));
      } catch (IllegalArgumentException e) {
        throw new UnexpectedResponseException(
            new Problem("UNEXPECTED_RESPONSE", status, e.getMessage(), null, endpoint));
      }
    }

    SplitGuardException failure =
        wire.problem(endpoint, status, response.headers(), response.body());
    if (failure instanceof PartitionedException p) {
      return new Retry<>(p, p.retryAfter().orElse(null));
    }
    if (failure instanceof NotLeaderException n) {
      return new Retry<>(n, null, n.leaderAddress().orElse(null), n.leader().orElse(null));
    }
    boolean ambiguous =
        failure instanceof OutcomeUnknownException
            || (failure instanceof UnexpectedResponseException && status >= 500);
    if (ambiguous && call.idempotent()) {
      return new Retry<>(failure, null);
    }
    if (failure instanceof UnexpectedResponseException && status >= 500) {
      // A bare 5xx does not prove the write was refused: the node may have failed after applying.
      throw new OutcomeUnknownException(
          new Problem(
              failure.code(), status, failure.detail(), failure.traceId().orElse(null), endpoint),
          failure);
    }
    throw failure;
  }

  private static OutcomeUnknownException outcomeUnknown(URI endpoint, String detail, Throwable e) {
    return new OutcomeUnknownException(Problem.clientSide("TIMEOUT", detail, endpoint), e);
  }

  /**
   * Whether an I/O failure proves that no byte of the request reached a server. Anything else
   * (a reset, a read timeout, an EOF) may have happened after the server read the request.
   */
  static boolean notDelivered(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof HttpConnectTimeoutException
          || t instanceof ConnectException
          || t instanceof NoRouteToHostException
          || t instanceof UnknownHostException
          || t instanceof UnresolvedAddressException
          || t instanceof SSLHandshakeException) {
        return true;
      }
    }
    return false;
  }

  private static String describe(Throwable t) {
    String message = t.getMessage();
    return message == null || message.isBlank()
        ? t.getClass().getSimpleName()
        : t.getClass().getSimpleName() + ": " + message;
  }

  /** Index of the configured endpoint a leader hint names, or -1. */
  private int endpointNamedBy(String hint) {
    if (hint == null || hint.isBlank()) {
      return -1;
    }
    String authority = hint.strip();
    if (authority.contains("://")) {
      try {
        authority = URI.create(authority).getRawAuthority();
      } catch (IllegalArgumentException e) {
        return -1;
      }
    } else if (authority.endsWith("/")) {
      authority = authority.substring(0, authority.length() - 1);
    }
    for (int i = 0; i < endpoints.size(); i++) {
      if (authority != null && authority.equalsIgnoreCase(endpoints.get(i).getRawAuthority())) {
        return i;
      }
    }
    return -1;
  }

  static URI normalize(URI endpoint) {
    Objects.requireNonNull(endpoint, "endpoint");
    String scheme = endpoint.getScheme();
    if (scheme == null
        || !(scheme.toLowerCase(Locale.ROOT).equals("http")
            || scheme.toLowerCase(Locale.ROOT).equals("https"))) {
      throw new IllegalArgumentException("endpoint must be an http or https URI: " + endpoint);
    }
    if (endpoint.getHost() == null) {
      throw new IllegalArgumentException("endpoint has no host: " + endpoint);
    }
    if (endpoint.getRawQuery() != null || endpoint.getRawFragment() != null) {
      throw new IllegalArgumentException("endpoint must not have a query or fragment: " + endpoint);
    }
    String s = endpoint.toString();
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return URI.create(s);
  }

  /**
   * One request as the retry loop sees it.
   *
   * @param body JSON body, or null
   * @param ifMatch expected revision for {@code If-Match}, or {@link #NO_PRECONDITION}
   * @param idempotent whether repeating it after an ambiguous failure is harmless
   */
  /**
   * One request as the retry loop sees it.
   *
   * @param idempotent whether an ambiguous failure may be retried (see the class comment)
   * @param toLeader whether the call starts on the known leader: writes that go through
   *     consensus, not writes to an AP keyspace, which any node takes locally
   */
  private record Call(String method, String pathAndQuery, String body, long ifMatch,
      boolean idempotent, boolean toLeader) {

    Call(String method, String pathAndQuery, String body, long ifMatch, boolean idempotent) {
      this(method, pathAndQuery, body, ifMatch, idempotent, false);
    }

    static Call read(String pathAndQuery) {
      return new Call("GET", pathAndQuery, null, NO_PRECONDITION, true);
    }

    static Call write(String method, String path, String body, long ifMatch) {
      return new Call(method, path, body, ifMatch, false, true);
    }

    static Call apWrite(String method, String path, String body) {
      return new Call(method, path, body, NO_PRECONDITION, false, false);
    }
  }

  private sealed interface Attempt<T> permits Done, Retry {}

  private record Done<T>(T value) implements Attempt<T> {}

  /**
   * A failure after which another attempt is allowed.
   *
   * @param retryAfter the node's {@code Retry-After}, or null
   * @param leaderAddress the {@code leaderAddress} of a {@code NOT_LEADER} answer, or null
   * @param leaderId the {@code leader} (node id) of a {@code NOT_LEADER} answer, or null
   */
  private record Retry<T>(
      Throwable cause, Duration retryAfter, String leaderAddress, String leaderId)
      implements Attempt<T> {
    Retry(Throwable cause, Duration retryAfter) {
      this(cause, retryAfter, null, null);
    }
  }

  /**
   * Configures a {@link SplitGuardClient}. Each option may be set at most once, so that
   * conflicting configuration code fails loudly instead of the last call silently winning. Not
   * thread-safe.
   */
  public static final class Builder {

    private List<URI> endpoints;
    private Duration requestTimeout;
    private Duration connectTimeout;
    private Duration deadline;
    private Duration initialBackoff;
    private Duration maxBackoff;
    private RandomGenerator random;
    private Sleeper sleeper;
    private Ticker ticker;
    private Duration lockSafetyMargin;
    private KeepAliveScheduler scheduler;

    private Builder() {}

    /**
     * The nodes to talk to (required). Any node serves any request; the order is the rotation
     * order and the first one is tried first.
     *
     * @param endpoints base URIs such as {@code http://10.0.0.1:8101}, http or https, without
     *     query or fragment; a path prefix is kept; duplicates are rejected
     */
    public Builder endpoints(List<URI> endpoints) {
      requireUnset(this.endpoints, "endpoints");
      Objects.requireNonNull(endpoints, "endpoints");
      if (endpoints.isEmpty()) {
        throw new IllegalArgumentException("at least one endpoint is required");
      }
      List<URI> normalized = new ArrayList<>(endpoints.size());
      Set<URI> seen = new HashSet<>();
      for (URI e : endpoints) {
        URI n = normalize(e);
        if (!seen.add(n)) {
          throw new IllegalArgumentException("duplicate endpoint: " + e);
        }
        normalized.add(n);
      }
      this.endpoints = List.copyOf(normalized);
      return this;
    }

    /**
     * Bound of one HTTP attempt, from sending to the complete answer (default {@link
     * #DEFAULT_REQUEST_TIMEOUT 5 s}). Longer lets a slow but healthy leader answer; shorter moves
     * on sooner, but a write that times out is reported as outcome-unknown, never retried.
     */
    public Builder requestTimeout(Duration requestTimeout) {
      requireUnset(this.requestTimeout, "requestTimeout");
      this.requestTimeout = requirePositive(requestTimeout, "requestTimeout");
      return this;
    }

    /**
     * Bound of establishing a TCP (and TLS) connection (default {@link #DEFAULT_CONNECT_TIMEOUT 1
     * s}). A connect timeout proves the request was not delivered, so even writes move on to the
     * next endpoint; keep it shorter than the request timeout.
     */
    public Builder connectTimeout(Duration connectTimeout) {
      requireUnset(this.connectTimeout, "connectTimeout");
      this.connectTimeout = requirePositive(connectTimeout, "connectTimeout");
      return this;
    }

    /**
     * Overall bound of one call: every attempt and every backoff delay (default {@link
     * #DEFAULT_DEADLINE 15 s}). It should cover a leader election with margin, so that a call
     * made during a failover still succeeds.
     */
    public Builder deadline(Duration deadline) {
      requireUnset(this.deadline, "deadline");
      this.deadline = requirePositive(deadline, "deadline");
      return this;
    }

    /**
     * Exponential backoff bounds (defaults {@link #DEFAULT_INITIAL_BACKOFF 50 ms} and {@link
     * #DEFAULT_MAX_BACKOFF 1 s}): the cap of the delay before retry {@code n} is {@code
     * min(max, initial * 2^(n-1))}, and the delay is uniform between zero and that cap.
     *
     * @throws IllegalArgumentException unless {@code 0 < initial <= max}
     */
    public Builder backoff(Duration initial, Duration max) {
      requireUnset(this.initialBackoff, "backoff");
      requirePositive(initial, "initial backoff");
      requirePositive(max, "max backoff");
      if (initial.compareTo(max) > 0) {
        throw new IllegalArgumentException(
            "initial backoff " + initial + " exceeds max backoff " + max);
      }
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /**
     * The random source for backoff jitter (default: a {@link SplittableRandom} with a random
     * seed). It need not be thread-safe; the client serialises access to it.
     */
    public Builder random(RandomGenerator random) {
      requireUnset(this.random, "random");
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /** Seeds the jitter so that backoff delays are reproducible, for tests and simulations. */
    public Builder random(long seed) {
      return random(new SplittableRandom(seed));
    }

    /** How the client waits between attempts (default {@link Sleeper#system()}). */
    public Builder sleeper(Sleeper sleeper) {
      requireUnset(this.sleeper, "sleeper");
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
      return this;
    }

    /** The clock that measures deadlines (default {@link Ticker#system()}). */
    public Builder ticker(Ticker ticker) {
      requireUnset(this.ticker, "ticker");
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * How much earlier than its TTL a lock holder stops trusting its lease (default {@link
     * #DEFAULT_LOCK_SAFETY_MARGIN 500 ms}); see {@link LockHandle}. Must exceed the largest
     * difference between the cluster nodes' wall clocks plus this machine's clock drift over one
     * TTL.
     */
    public Builder lockSafetyMargin(Duration margin) {
      requireUnset(this.lockSafetyMargin, "lockSafetyMargin");
      this.lockSafetyMargin = requirePositive(margin, "lockSafetyMargin");
      return this;
    }

    /** Runs keep-alives on the given scheduler (tests run them on fake time). */
    Builder keepAliveScheduler(KeepAliveScheduler scheduler) {
      requireUnset(this.scheduler, "keepAliveScheduler");
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Builds the client.
     *
     * @throws IllegalStateException if no endpoints were set
     */
    public SplitGuardClient build() {
      if (endpoints == null) {
        throw new IllegalStateException("endpoints are required");
      }
      return new SplitGuardClient(this);
    }

    private static void requireUnset(Object current, String name) {
      if (current != null) {
        throw new IllegalStateException(name + " was already set");
      }
    }

    private static Duration requirePositive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + d);
      }
      return d;
    }
  }
}
