package io.splitguard.core.lock;

import static io.splitguard.core.codec.Framing.read;
import static io.splitguard.core.codec.Framing.readString;
import static io.splitguard.core.codec.Framing.write;
import static io.splitguard.core.codec.Framing.writeString;

import java.io.DataInput;
import io.splitguard.core.codec.Framing;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Optional;

/**
 * Binary encodings of lock commands and results, and of leases and guarded values inside
 * snapshots.
 *
 * <p>Lock commands share the replicated log with keyspace commands and use the same framing as
 * {@code KvCodec}: a format-version byte ({@code 1}) and a command tag. The keyspace owns tags
 * {@code 1} (put) and {@code 2} (delete); lock commands use {@code 3} to {@code 7}, so a log entry
 * says by its second byte which codec reads it ({@link #isLockCommand}). Like every log format,
 * this one may only ever be extended.
 */
public final class LockCodec {
  private static final byte FORMAT_VERSION = 1;

  private static final byte ACQUIRE = 3;
  private static final byte KEEP_ALIVE = 4;
  private static final byte RELEASE = 5;
  private static final byte INSPECT = 6;
  private static final byte GUARDED_PUT = 7;

  // Result tags are distinct from the keyspace's result tags (1-4) so that decoding a result
  // with the wrong codec fails loudly instead of misreading it.
  private static final byte GRANTED = 11;
  private static final byte HELD = 12;
  private static final byte EXTENDED = 13;
  private static final byte RELEASED = 14;
  private static final byte NOT_HOLDER = 15;
  private static final byte OBSERVED = 16;
  private static final byte GUARDED_WRITTEN = 17;
  private static final byte GUARDED_FENCED = 18;


  private LockCodec() {}

  /** Whether an encoded log command is a lock command (rather than a keyspace command). */
  public static boolean isLockCommand(byte[] bytes) {
    return bytes.length >= 2 && bytes[0] == FORMAT_VERSION && bytes[1] >= ACQUIRE && bytes[1] <= GUARDED_PUT;
  }

  /** Whether an encoded log command carries a time the leader must stamp. */
  public static boolean needsTime(byte[] bytes) {
    return isLockCommand(bytes) && bytes[1] != GUARDED_PUT;
  }

  /** Encodes a command for the replicated log. */
  public static byte[] encodeCommand(LockCommand command) {
    return write(out -> {
      out.writeByte(FORMAT_VERSION);
      if (command instanceof LockCommand.Acquire a) {
        out.writeByte(ACQUIRE);
        writeString(out, a.name());
        writeString(out, a.owner());
        out.writeLong(a.ttlMs());
        out.writeLong(a.nowMs());
      } else if (command instanceof LockCommand.KeepAlive k) {
        out.writeByte(KEEP_ALIVE);
        writeString(out, k.name());
        out.writeLong(k.token());
        out.writeLong(k.nowMs());
      } else if (command instanceof LockCommand.Release r) {
        out.writeByte(RELEASE);
        writeString(out, r.name());
        out.writeLong(r.token());
        out.writeLong(r.nowMs());
      } else if (command instanceof LockCommand.Inspect i) {
        out.writeByte(INSPECT);
        writeString(out, i.name());
        out.writeLong(i.nowMs());
      } else {
        LockCommand.GuardedPut g = (LockCommand.GuardedPut) command;
        out.writeByte(GUARDED_PUT);
        writeString(out, g.resource());
        out.writeLong(g.token());
        writeString(out, g.value());
      }
    });
  }

  /**
   * Decodes a command written by {@link #encodeCommand}.
   *
   * @throws IllegalArgumentException if the bytes are not a valid lock command
   */
  public static LockCommand decodeCommand(byte[] bytes) {
    return read(bytes, in -> {
      checkVersion(in.readByte());
      byte tag = in.readByte();
      String name = readString(in);
      return switch (tag) {
        case ACQUIRE -> {
          String owner = readString(in);
          long ttl = in.readLong();
          yield new LockCommand.Acquire(name, owner, ttl, in.readLong());
        }
        case KEEP_ALIVE -> {
          long token = in.readLong();
          yield new LockCommand.KeepAlive(name, token, in.readLong());
        }
        case RELEASE -> {
          long token = in.readLong();
          yield new LockCommand.Release(name, token, in.readLong());
        }
        case INSPECT -> new LockCommand.Inspect(name, in.readLong());
        case GUARDED_PUT -> {
          long token = in.readLong();
          yield new LockCommand.GuardedPut(name, token, readString(in));
        }
        default -> throw new IllegalArgumentException("unknown lock command tag " + tag);
      };
    });
  }

  /** Encodes the result of applying a command. */
  public static byte[] encodeResult(LockResult result) {
    return write(out -> {
      out.writeByte(FORMAT_VERSION);
      if (result instanceof LockResult.Granted g) {
        out.writeByte(GRANTED);
        writeLease(out, g.lease());
      } else if (result instanceof LockResult.Held h) {
        out.writeByte(HELD);
        writeLease(out, h.holder());
        out.writeLong(h.clockMs());
      } else if (result instanceof LockResult.Extended e) {
        out.writeByte(EXTENDED);
        writeLease(out, e.lease());
      } else if (result instanceof LockResult.Released r) {
        out.writeByte(RELEASED);
        writeLease(out, r.previous());
      } else if (result instanceof LockResult.NotHolder n) {
        out.writeByte(NOT_HOLDER);
        writeString(out, n.name());
        out.writeLong(n.token());
        writeOptionalLease(out, n.current());
        out.writeLong(n.clockMs());
      } else if (result instanceof LockResult.Observed o) {
        out.writeByte(OBSERVED);
        writeString(out, o.name());
        writeOptionalLease(out, o.lease());
        out.writeLong(o.clockMs());
      } else if (result instanceof LockResult.GuardedWritten w) {
        out.writeByte(GUARDED_WRITTEN);
        writeGuarded(out, w.value());
      } else {
        LockResult.GuardedFenced f = (LockResult.GuardedFenced) result;
        out.writeByte(GUARDED_FENCED);
        writeString(out, f.resource());
        out.writeLong(f.token());
        out.writeLong(f.highestToken());
      }
      out.writeLong(result.revision());
    });
  }

  /** Decodes a result written by {@link #encodeResult}. */
  public static LockResult decodeResult(byte[] bytes) {
    return read(bytes, in -> {
      checkVersion(in.readByte());
      byte tag = in.readByte();
      return switch (tag) {
        case GRANTED -> {
          Lease lease = readLease(in);
          yield new LockResult.Granted(lease, in.readLong());
        }
        case HELD -> {
          Lease lease = readLease(in);
          long clock = in.readLong();
          yield new LockResult.Held(lease, clock, in.readLong());
        }
        case EXTENDED -> {
          Lease lease = readLease(in);
          yield new LockResult.Extended(lease, in.readLong());
        }
        case RELEASED -> {
          Lease lease = readLease(in);
          yield new LockResult.Released(lease, in.readLong());
        }
        case NOT_HOLDER -> {
          String name = readString(in);
          long token = in.readLong();
          Optional<Lease> current = readOptionalLease(in);
          long clock = in.readLong();
          yield new LockResult.NotHolder(name, token, current, clock, in.readLong());
        }
        case OBSERVED -> {
          String name = readString(in);
          Optional<Lease> lease = readOptionalLease(in);
          long clock = in.readLong();
          yield new LockResult.Observed(name, lease, clock, in.readLong());
        }
        case GUARDED_WRITTEN -> {
          GuardedValue value = readGuarded(in);
          yield new LockResult.GuardedWritten(value, in.readLong());
        }
        case GUARDED_FENCED -> {
          String resource = readString(in);
          long token = in.readLong();
          long highest = in.readLong();
          yield new LockResult.GuardedFenced(resource, token, highest, in.readLong());
        }
        default -> throw new IllegalArgumentException("unknown lock result tag " + tag);
      };
    });
  }

  /** Writes a lease (for results and snapshots). */
  public static void writeLease(DataOutput out, Lease lease) throws IOException {
    writeString(out, lease.name());
    writeString(out, lease.owner());
    out.writeLong(lease.token());
    out.writeLong(lease.ttlMs());
    out.writeLong(lease.grantedAtMs());
    out.writeLong(lease.expiresAtMs());
  }

  /** Reads a lease written by {@link #writeLease}. */
  public static Lease readLease(DataInput in) throws IOException {
    String name = readString(in);
    String owner = readString(in);
    long token = in.readLong();
    long ttl = in.readLong();
    long granted = in.readLong();
    long expires = in.readLong();
    try {
      return new Lease(name, owner, token, ttl, granted, expires);
    } catch (IllegalArgumentException e) {
      throw new IOException("corrupt lease: " + e.getMessage(), e);
    }
  }

  /** Writes a guarded resource's state (for results and snapshots). */
  public static void writeGuarded(DataOutput out, GuardedValue value) throws IOException {
    writeString(out, value.resource());
    writeString(out, value.value());
    out.writeLong(value.token());
    out.writeLong(value.revision());
  }

  /** Reads a guarded resource's state written by {@link #writeGuarded}. */
  public static GuardedValue readGuarded(DataInput in) throws IOException {
    String resource = readString(in);
    String value = readString(in);
    long token = in.readLong();
    long revision = in.readLong();
    try {
      return new GuardedValue(resource, value, token, revision);
    } catch (IllegalArgumentException e) {
      throw new IOException("corrupt guarded value: " + e.getMessage(), e);
    }
  }

  private static void writeOptionalLease(DataOutput out, Optional<Lease> lease) throws IOException {
    out.writeBoolean(lease.isPresent());
    if (lease.isPresent()) {
      writeLease(out, lease.get());
    }
  }

  private static Optional<Lease> readOptionalLease(DataInput in) throws IOException {
    return in.readBoolean() ? Optional.of(readLease(in)) : Optional.empty();
  }

  private static void checkVersion(byte version) throws IOException {
    Framing.requireVersion(version, FORMAT_VERSION);
  }
}
