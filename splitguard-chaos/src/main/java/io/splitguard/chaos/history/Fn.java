package io.splitguard.chaos.history;

/**
 * The function of a client operation: the {@code f} field of a client event.
 *
 * <p>Three families, each on its own namespace of names (the {@code key} field): register
 * operations on CP keys ({@code read}, {@code write}, {@code cas}); lock operations on lock names
 * ({@code acquire}, {@code release}); and operations on guarded resources ({@code guarded-write},
 * {@code guarded-read}). Guarded resources have their own functions, not {@code read}/{@code write},
 * because they are a different register (a write can be refused by its token) living in a different
 * namespace from the keys: {@code /v1/guarded/r1} and {@code /v1/kv/r1} are unrelated.
 */
public enum Fn {
  /** Read the key; the {@code ok} completion carries the value read, or null when missing. */
  READ("read"),
  /** Write a string; the invoke carries the value. */
  WRITE("write"),
  /** Compare-and-set; the invoke carries {@code [expected, new]}. */
  CAS("cas"),
  /**
   * Acquire a lock; the invoke's value is the owner, the {@code ok} completion carries the granted
   * fencing {@code token}.
   */
  ACQUIRE("acquire"),
  /** Release a lock; the invoke carries the {@code token} presented. */
  RELEASE("release"),
  /**
   * Write to a guarded resource; the invoke carries the string written and the {@code token}
   * presented. {@code fail} covers a {@code FENCED} refusal.
   */
  GUARDED_WRITE("guarded-write"),
  /**
   * Read a guarded resource; the {@code ok} completion carries the value read (null: never
   * written) and, for a written resource, the {@code token} that wrote it.
   */
  GUARDED_READ("guarded-read");

  private final String wire;

  Fn(String wire) {
    this.wire = wire;
  }

  /** The spelling used in history files, e.g. {@code read} or {@code guarded-write}. */
  public String wireName() {
    return wire;
  }

  /** Whether this is a register operation ({@code read}, {@code write}, {@code cas}). */
  public boolean isRegister() {
    return this == READ || this == WRITE || this == CAS;
  }

  /** Whether this is a lock operation ({@code acquire}, {@code release}). */
  public boolean isLock() {
    return this == ACQUIRE || this == RELEASE;
  }

  /** Whether this is an operation on a guarded resource. */
  public boolean isGuarded() {
    return this == GUARDED_WRITE || this == GUARDED_READ;
  }

  /**
   * Parses a wire name.
   *
   * @throws IllegalArgumentException when {@code name} is not one of the wire names
   */
  public static Fn fromWire(String name) {
    for (Fn f : values()) {
      if (f.wire.equals(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException("expected \"read\", \"write\", \"cas\", \"acquire\", \"release\", "
        + "\"guarded-write\" or \"guarded-read\", got \"" + name + "\"");
  }
}
