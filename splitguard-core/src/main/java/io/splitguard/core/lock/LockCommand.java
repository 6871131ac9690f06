package io.splitguard.core.lock;

import java.util.Objects;

/**
 * A change to (or an ordered read of) the lock table, proposed through consensus and applied
 * deterministically by {@link LockTable#apply} on every replica.
 *
 * <p>Commands that involve time carry {@link #nowMs()}: the leader's wall-clock time, stamped
 * into the command when the leader appends it to the log. Until then it is {@link #UNSTAMPED}.
 * Replicas never read their own clocks: every lease decision is made against the replicated
 * clock, which the stamps advance.
 */
public sealed interface LockCommand
    permits LockCommand.Acquire,
        LockCommand.KeepAlive,
        LockCommand.Release,
        LockCommand.Inspect,
        LockCommand.GuardedPut {

  /** {@link #nowMs()} of a command the leader has not stamped (yet). */
  long UNSTAMPED = -1;

  /**
   * Hard ceiling of a lease's time to live, one day, against corrupt or hostile input. The HTTP
   * API enforces a much tighter configured range.
   */
  long MAX_TTL_MS = 24L * 60 * 60 * 1000;

  /** The lock (or, for {@link GuardedPut}, the resource) this command is about. */
  String name();

  /** The leader-stamped time, or {@link #UNSTAMPED}; always {@code UNSTAMPED} for guarded writes. */
  long nowMs();

  /** Whether the leader stamps its time into this command before appending it. */
  boolean needsTime();

  /** This command with the leader's time; a command that needs no time is returned unchanged. */
  LockCommand stamped(long nowMs);

  /**
   * Acquire {@code name} for {@code owner} for {@code ttlMs}: granted if the lock is free or its
   * lease is expired, refused (the current holder is returned) otherwise, also when the holder is
   * the same owner.
   */
  record Acquire(String name, String owner, long ttlMs, long nowMs) implements LockCommand {
    /** Validates the fields. */
    public Acquire {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(owner, "owner");
      if (ttlMs <= 0 || ttlMs > MAX_TTL_MS) {
        throw new IllegalArgumentException("ttlMs must be 1.." + MAX_TTL_MS + ", got " + ttlMs);
      }
      checkStamp(nowMs);
    }

    /** An unstamped acquire, as a client proposes it. */
    public static Acquire of(String name, String owner, long ttlMs) {
      return new Acquire(name, owner, ttlMs, UNSTAMPED);
    }

    @Override
    public boolean needsTime() {
      return true;
    }

    @Override
    public Acquire stamped(long nowMs) {
      return new Acquire(name, owner, ttlMs, nowMs);
    }
  }

  /** Extend the lease held under {@code token} to now + its TTL; the token does not change. */
  record KeepAlive(String name, long token, long nowMs) implements LockCommand {
    /** Validates the fields. */
    public KeepAlive {
      Objects.requireNonNull(name, "name");
      checkToken(token);
      checkStamp(nowMs);
    }

    /** An unstamped keep-alive. */
    public static KeepAlive of(String name, long token) {
      return new KeepAlive(name, token, UNSTAMPED);
    }

    @Override
    public boolean needsTime() {
      return true;
    }

    @Override
    public KeepAlive stamped(long nowMs) {
      return new KeepAlive(name, token, nowMs);
    }
  }

  /** Release the lease held under {@code token}, freeing the lock. */
  record Release(String name, long token, long nowMs) implements LockCommand {
    /** Validates the fields. */
    public Release {
      Objects.requireNonNull(name, "name");
      checkToken(token);
      checkStamp(nowMs);
    }

    /** An unstamped release. */
    public static Release of(String name, long token) {
      return new Release(name, token, UNSTAMPED);
    }

    @Override
    public boolean needsTime() {
      return true;
    }

    @Override
    public Release stamped(long nowMs) {
      return new Release(name, token, nowMs);
    }
  }

  /**
   * Read a lock at a point of the log, with the leader's time: the answer says whether the lease
   * is expired by the same clock that decides acquisitions. Changes nothing but the clock.
   */
  record Inspect(String name, long nowMs) implements LockCommand {
    /** Validates the fields. */
    public Inspect {
      Objects.requireNonNull(name, "name");
      checkStamp(nowMs);
    }

    /** An unstamped inspection. */
    public static Inspect of(String name) {
      return new Inspect(name, UNSTAMPED);
    }

    @Override
    public boolean needsTime() {
      return true;
    }

    @Override
    public Inspect stamped(long nowMs) {
      return new Inspect(name, nowMs);
    }
  }

  /**
   * Write {@code value} to the guarded resource {@code resource} if {@code token} is at least the
   * highest token the resource has accepted. The token is not checked against the lock table.
   */
  record GuardedPut(String resource, long token, String value) implements LockCommand {
    /** Validates the fields. */
    public GuardedPut {
      Objects.requireNonNull(resource, "resource");
      Objects.requireNonNull(value, "value");
      checkToken(token);
    }

    @Override
    public String name() {
      return resource;
    }

    @Override
    public long nowMs() {
      return UNSTAMPED;
    }

    @Override
    public boolean needsTime() {
      return false;
    }

    @Override
    public GuardedPut stamped(long nowMs) {
      return this;
    }
  }

  private static void checkToken(long token) {
    if (token <= 0) {
      throw new IllegalArgumentException("token must be positive, got " + token);
    }
  }

  private static void checkStamp(long nowMs) {
    if (nowMs < UNSTAMPED) {
      throw new IllegalArgumentException("nowMs must be >= 0 or UNSTAMPED, got " + nowMs);
    }
  }
}
