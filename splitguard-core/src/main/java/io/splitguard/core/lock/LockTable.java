package io.splitguard.core.lock;

import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The locks and guarded resources of the registry, and its replicated clock: a pure, deterministic
 * state machine. The same sequence of commands yields the same state and results on every
 * replica, because time comes from the commands themselves and never from a local clock.
 *
 * <h2>Rules</h2>
 *
 * <ul>
 *   <li><b>Replicated clock.</b> {@link #clockMs()} is the maximum of every leader stamp applied
 *       so far (initially 0). A stamp below it (a new leader whose clock is behind) does not move
 *       it back; time never decreases, across leader changes and restarts (it is in snapshots).
 *       Every time-carrying command is decided at the clock after its own stamp.
 *   <li><b>Expiry</b> is lazy: a lease is expired when {@code clock >= expiresAtMs}. No timer
 *       removes it; the next acquire of the lock replaces it, an inspection reports it expired.
 *   <li><b>Acquire</b> is granted if the lock has no lease or an expired one. The fencing token is
 *       the global revision, advanced by one for the grant, so it is strictly greater than every
 *       token granted before, for any lock. Refused (current holder returned) otherwise, also if
 *       the holder has the same owner: a lease belongs to the acquire that created it.
 *   <li><b>Keep-alive</b> under the current holder's token, while unexpired, sets {@code
 *       expiresAtMs = clock + ttlMs}; the token and the revision do not change. Otherwise refused.
 *   <li><b>Release</b> under the current holder's token, while unexpired, removes the lease and
 *       advances the revision. Otherwise refused (an expired lease is already free to take).
 *   <li><b>Guarded write</b> applies if its token is at least the resource's highest accepted
 *       token (equal allowed, so a holder can write repeatedly), advancing the revision; refused
 *       otherwise. The token is not checked against the lock table: like a storage system that
 *       only remembers the highest token it has seen, the resource needs no lock service.
 * </ul>
 *
 * <p>Refusals change nothing except the clock.
 *
 * <p>Not thread-safe: like {@code KvStore}, driven by a single apply thread.
 */
public final class LockTable {

  /** The registry's global revision, shared with the keyspace. */
  public interface Revisions {
    /** The current global revision. */
    long current();

    /** Advances the global revision by one and returns the new value. */
    long advance();
  }

  private final NavigableMap<String, Lease> leases;
  private final NavigableMap<String, GuardedValue> guarded;
  private long clockMs;

  /** An empty table with the clock at 0. */
  public LockTable() {
    this(new TreeMap<>(), new TreeMap<>(), 0);
  }

  private LockTable(
      NavigableMap<String, Lease> leases, NavigableMap<String, GuardedValue> guarded, long clockMs) {
    this.leases = leases;
    this.guarded = guarded;
    this.clockMs = clockMs;
  }

  /**
   * Restores a table from a snapshot's content.
   *
   * @param revision the registry's global revision in the same snapshot
   * @throws IllegalArgumentException if a name repeats, or a token or revision is newer than
   *     {@code revision}, or the clock is negative
   */
  public static LockTable restore(
      Iterable<Lease> leases, Iterable<GuardedValue> guarded, long clockMs, long revision) {
    if (clockMs < 0) {
      throw new IllegalArgumentException("negative replicated clock " + clockMs);
    }
    TreeMap<String, Lease> l = new TreeMap<>();
    for (Lease lease : leases) {
      if (lease.token() > revision) {
        throw new IllegalArgumentException("lease " + lease.name() + " has token " + lease.token()
            + ", newer than the snapshot revision " + revision);
      }
      if (l.put(lease.name(), lease) != null) {
        throw new IllegalArgumentException("duplicate lock in snapshot: " + lease.name());
      }
    }
    TreeMap<String, GuardedValue> g = new TreeMap<>();
    for (GuardedValue value : guarded) {
      if (value.revision() > revision) {
        throw new IllegalArgumentException("guarded resource " + value.resource()
            + " at revision " + value.revision() + " is newer than the snapshot revision " + revision);
      }
      if (g.put(value.resource(), value) != null) {
        throw new IllegalArgumentException("duplicate guarded resource in snapshot: " + value.resource());
      }
    }
    return new LockTable(l, g, clockMs);
  }

  /** A deep copy (the records are immutable), for snapshots. */
  public LockTable copy() {
    return new LockTable(new TreeMap<>(leases), new TreeMap<>(guarded), clockMs);
  }

  /** Applies one command and returns its outcome. */
  public LockResult apply(LockCommand command, Revisions revisions) {
    if (command instanceof LockCommand.GuardedPut put) {
      return guardedPut(put, revisions);
    }
    long now = observe(command.nowMs());
    Lease current = leases.get(command.name());
    boolean live = current != null && !current.isExpiredAt(now);
    if (command instanceof LockCommand.Acquire acquire) {
      if (live) {
        return new LockResult.Held(current, now, revisions.current());
      }
      long token = revisions.advance();
      Lease lease = new Lease(acquire.name(), acquire.owner(), token, acquire.ttlMs(), now,
          Lease.plus(now, acquire.ttlMs()));
      leases.put(lease.name(), lease);
      return new LockResult.Granted(lease, token);
    }
    if (command instanceof LockCommand.KeepAlive keepAlive) {
      if (!live || current.token() != keepAlive.token()) {
        return notHolder(keepAlive.name(), keepAlive.token(), current, now, revisions);
      }
      Lease renewed = current.renewedAt(now);
      leases.put(renewed.name(), renewed);
      return new LockResult.Extended(renewed, revisions.current());
    }
    if (command instanceof LockCommand.Release release) {
      if (!live || current.token() != release.token()) {
        return notHolder(release.name(), release.token(), current, now, revisions);
      }
      leases.remove(release.name());
      return new LockResult.Released(current, revisions.advance());
    }
    LockCommand.Inspect inspect = (LockCommand.Inspect) command;
    return new LockResult.Observed(inspect.name(), Optional.ofNullable(current), now, revisions.current());
  }

  private static LockResult notHolder(
      String name, long token, Lease current, long now, Revisions revisions) {
    return new LockResult.NotHolder(name, token, Optional.ofNullable(current), now, revisions.current());
  }

  private LockResult guardedPut(LockCommand.GuardedPut put, Revisions revisions) {
    GuardedValue current = guarded.get(put.resource());
    if (current != null && put.token() < current.token()) {
      return new LockResult.GuardedFenced(put.resource(), put.token(), current.token(), revisions.current());
    }
    long revision = revisions.advance();
    GuardedValue written = new GuardedValue(put.resource(), put.value(), put.token(), revision);
    guarded.put(put.resource(), written);
    return new LockResult.GuardedWritten(written, revision);
  }

  /** Advances the replicated clock to {@code stampMs} if that is later; returns the clock. */
  private long observe(long stampMs) {
    if (stampMs > clockMs) {
      clockMs = stampMs;
    }
    return clockMs;
  }

  /** The replicated clock: the largest leader-stamped time applied so far (ms since the epoch). */
  public long clockMs() {
    return clockMs;
  }

  /** The lock's lease record, if any; it may be expired (see {@link #validLease}). */
  public Optional<Lease> lease(String name) {
    return Optional.ofNullable(leases.get(name));
  }

  /** The lock's lease if it is unexpired at the replicated clock. */
  public Optional<Lease> validLease(String name) {
    Lease lease = leases.get(name);
    return lease == null || lease.isExpiredAt(clockMs) ? Optional.empty() : Optional.of(lease);
  }

  /** The guarded resource's state, if it was ever written. */
  public Optional<GuardedValue> guarded(String resource) {
    return Optional.ofNullable(guarded.get(resource));
  }

  /** A read-only, name-ordered view of every lease record, expired ones included. */
  public Map<String, Lease> leases() {
    return Collections.unmodifiableNavigableMap(leases);
  }

  /** A read-only, name-ordered view of every guarded resource. */
  public Map<String, GuardedValue> guardedValues() {
    return Collections.unmodifiableNavigableMap(guarded);
  }
}
