package io.splitguard.client;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Optional;

/**
 * A lock lease held through a {@link SplitGuardClient}, obtained from {@link
 * SplitGuardClient#acquire}. The client keeps it alive automatically until {@link #release()} or
 * {@link #close()}.
 *
 * <pre>{@code
 * try (LockHandle lock = client.acquire("nightly-report", "worker-7", Duration.ofSeconds(15),
 *     (handle, reason, cause) -> stopWorking())) {
 *   while (lock.isValid() && moreWork()) {
 *     client.guardedPut("report/state", nextChunk(), lock); // refused with FENCED once superseded
 *   }
 * }
 * }</pre>
 *
 * <h2>Validity</h2>
 *
 * <p>{@link #isValid()} is computed conservatively from the client's monotonic {@link Ticker},
 * never from server time: the lease is valid until {@code t + ttl - safetyMargin}, where {@code t}
 * is the moment the acquire request (later: the last successful keep-alive request) was
 * <em>sent</em>. The cluster grants the lock to someone else no earlier than {@code t + ttl - δ},
 * where δ is the largest difference between the wall clocks of the cluster's nodes; a safety
 * margin larger than δ plus the drift of the local clock over one TTL therefore makes the holder
 * stop believing in its lease before anybody else can be granted the lock. See {@code
 * docs/fencing.md}. Even so, a process can be paused between checking {@code isValid()} and acting;
 * that is what fencing tokens ({@link #token()}, {@link SplitGuardClient#guardedPut}) are for.
 *
 * <h2>Keep-alive</h2>
 *
 * <p>Every {@code ttl / 3} the client sends a keep-alive, bounded by the time the lease has left.
 * A keep-alive that fails for a transient reason (no quorum, no answer) is retried at the next
 * period; when validity runs out first, the lease is lost ({@link LockListener.LostReason#EXPIRED}).
 * A keep-alive answered {@code FENCED} loses it at once ({@link LockListener.LostReason#REFUSED}).
 * The {@link LockListener} is told either way.
 *
 * <p>Thread-safe.
 */
public final class LockHandle implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(LockHandle.class.getName());

  private enum State { HELD, LOST, RELEASED }

  private final SplitGuardClient client;
  private final KeepAliveScheduler scheduler;
  private final Ticker ticker;
  private final String name;
  private final String owner;
  private final long token;
  private final Duration ttl;
  private final Duration margin;
  private final LockListener listener;

  private final Object lock = new Object();
  private State state = State.HELD;
  private long validUntilNanos;
  private long expiresAtMs;
  private LockListener.LostReason lostReason;
  private SplitGuardException lastFailure;
  private KeepAliveScheduler.Task keepAliveTask;
  private KeepAliveScheduler.Task watchdogTask;

  LockHandle(
      SplitGuardClient client, KeepAliveScheduler scheduler, Ticker ticker, LockInfo granted,
      Duration ttl, Duration margin, long sentAtNanos, LockListener listener) {
    this.client = client;
    this.scheduler = scheduler;
    this.ticker = ticker;
    this.name = granted.name();
    this.owner = granted.owner();
    this.token = granted.token();
    this.ttl = ttl;
    this.margin = margin;
    this.listener = listener;
    this.validUntilNanos = sentAtNanos + ttl.toNanos() - margin.toNanos();
    this.expiresAtMs = granted.expiresAtMs();
  }

  /** Schedules the first keep-alive and the validity watchdog; called once by the client. */
  void start() {
    synchronized (lock) {
      keepAliveTask = scheduler.schedule(this::keepAlive, keepAlivePeriod());
      scheduleWatchdog();
    }
  }

  /** The lock's name. */
  public String name() {
    return name;
  }

  /** The owner this lease was acquired for. */
  public String owner() {
    return owner;
  }

  /**
   * The fencing token: strictly greater than the token of every earlier holder of any lock. Pass
   * it to every resource this lock protects ({@link SplitGuardClient#guardedPut}).
   */
  public long token() {
    return token;
  }

  /** The lease's time to live. */
  public Duration ttl() {
    return ttl;
  }

  /**
   * The expiry the cluster last reported, on its replicated clock (milliseconds since the epoch).
   * Informational only: do not compare it with this machine's clock; use {@link #isValid()}.
   */
  public long expiresAtMs() {
    synchronized (lock) {
      return expiresAtMs;
    }
  }

  /**
   * Whether this holder may still rely on the lease: it was neither lost nor released, and the
   * local monotonic clock has not passed the conservative validity (see the class documentation).
   */
  public boolean isValid() {
    synchronized (lock) {
      return state == State.HELD && ticker.nanoTime() - validUntilNanos < 0;
    }
  }

  /** How long the lease is still valid for this holder; zero once it is not. */
  public Duration remainingValidity() {
    synchronized (lock) {
      if (state != State.HELD) {
        return Duration.ZERO;
      }
      long left = validUntilNanos - ticker.nanoTime();
      return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    }
  }

  /** Why the lease was lost, if it was (empty while held, and after a release). */
  public Optional<LockListener.LostReason> lostReason() {
    synchronized (lock) {
      return Optional.ofNullable(lostReason);
    }
  }

  /**
   * Stops the keep-alives and releases the lock in the cluster, so that others can acquire it at
   * once. Idempotent: later calls return {@code false} without a request.
   *
   * @return {@code true} if the cluster released the lease now; {@code false} if it was already
   *     released by this handle or no longer held under this token ({@code FENCED}: expired or
   *     taken over)
   * @throws OutcomeUnknownException if the release may or may not have applied; the lease then
   *     ends at the latest when its TTL runs out
   * @throws UnavailableException if no node took the release; the lease ends when its TTL runs out
   */
  public boolean release() {
    synchronized (lock) {
      if (state == State.RELEASED) {
        return false;
      }
      state = State.RELEASED;
      cancelTasks();
    }
    client.ended(this);
    try {
      client.release(name, token);
      return true;
    } catch (FencedException e) {
      return false;
    }
  }

  /**
   * Releases the lock like {@link #release()}, but never throws: if the release cannot be
   * confirmed, the lease simply expires after its TTL.
   */
  @Override
  public void close() {
    try {
      release();
    } catch (SplitGuardException | IllegalStateException e) {
      LOG.log(Level.DEBUG, "release of lock {0} (token {1}) on close failed: {2}", name, token, e.toString());
    }
  }

  /** Stops the keep-alives without a request (the client is closing). */
  void abandon() {
    synchronized (lock) {
      cancelTasks();
    }
  }

  private Duration keepAlivePeriod() {
    return ttl.dividedBy(3);
  }

  /** One keep-alive round; runs on a scheduler thread. */
  void keepAlive() {
    long sentAt;
    long remaining;
    synchronized (lock) {
      if (state != State.HELD) {
        return;
      }
      sentAt = ticker.nanoTime();
      remaining = validUntilNanos - sentAt;
    }
    if (remaining <= 0) {
      lose(LockListener.LostReason.EXPIRED, null);
      return;
    }
    try {
      LockInfo extended = client.keepAlive(name, token, Duration.ofNanos(remaining));
      synchronized (lock) {
        if (state != State.HELD) {
          return;
        }
        // The cluster stamped the keep-alive no earlier than it was sent, so counting from the
        // moment of sending is conservative, whichever attempt applied.
        validUntilNanos = Math.max(validUntilNanos, sentAt + ttl.toNanos() - margin.toNanos());
        expiresAtMs = extended.expiresAtMs();
        lastFailure = null;
      }
    } catch (FencedException e) {
      lose(LockListener.LostReason.REFUSED, e);
      return;
    } catch (SplitGuardException e) {
      synchronized (lock) {
        lastFailure = e;
      }
      LOG.log(Level.DEBUG, "keep-alive of lock {0} (token {1}) failed: {2}", name, token, e.toString());
    } catch (IllegalStateException e) {
      return; // the client was closed
    }
    synchronized (lock) {
      if (state == State.HELD) {
        keepAliveTask = scheduler.schedule(this::keepAlive, keepAlivePeriod());
      }
    }
  }

  /** Fires once validity runs out without a successful keep-alive. */
  private void watchdog() {
    SplitGuardException cause;
    synchronized (lock) {
      if (state != State.HELD) {
        return;
      }
      if (validUntilNanos - ticker.nanoTime() > 0) {
        scheduleWatchdog(); // extended meanwhile
        return;
      }
      cause = lastFailure;
    }
    lose(LockListener.LostReason.EXPIRED, cause);
  }

  private void scheduleWatchdog() {
    if (watchdogTask != null) {
      watchdogTask.cancel();
    }
    watchdogTask = scheduler.schedule(this::watchdog, Duration.ofNanos(Math.max(0, validUntilNanos - ticker.nanoTime())));
  }

  private void lose(LockListener.LostReason reason, SplitGuardException cause) {
    synchronized (lock) {
      if (state != State.HELD) {
        return;
      }
      state = State.LOST;
      lostReason = reason;
      if (cause != null) {
        lastFailure = cause;
      }
      cancelTasks();
    }
    client.ended(this);
    LOG.log(Level.WARNING, "lock {0} (token {1}) lost: {2}", name, token, reason);
    if (listener != null) {
      try {
        listener.lost(this, reason, Optional.ofNullable(cause));
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "lock listener of " + name + " threw", e);
      }
    }
  }

  private void cancelTasks() {
    if (keepAliveTask != null) {
      keepAliveTask.cancel();
    }
    if (watchdogTask != null) {
      watchdogTask.cancel();
    }
  }

  @Override
  public String toString() {
    return "LockHandle[" + name + ", owner=" + owner + ", token=" + token + ", valid=" + isValid() + "]";
  }
}
