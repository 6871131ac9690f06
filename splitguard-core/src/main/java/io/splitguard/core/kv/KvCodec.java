package io.splitguard.core.kv;

import static io.splitguard.core.codec.Framing.read;
import static io.splitguard.core.codec.Framing.readString;
import static io.splitguard.core.codec.Framing.write;
import static io.splitguard.core.codec.Framing.writeString;

import io.splitguard.core.codec.Framing;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * Binary encodings of CP keyspace commands, results and snapshots.
 *
 * <p>These bytes go into the replicated log and into snapshot files, so the format is versioned
 * and must only ever be extended: a node must be able to replay a log written by an older
 * release. Strings are length-prefixed UTF-8 (values can be far larger than {@code writeUTF}'s 64
 * KiB limit).
 */
public final class KvCodec {
  private static final byte FORMAT_VERSION = 1;

  // Command tags 3-7 belong to lock commands (LockCodec), which share the log and this framing.
  private static final byte PUT = 1;
  private static final byte DELETE = 2;

  private static final byte WRITTEN = 1;
  private static final byte DELETED = 2;
  private static final byte PRECONDITION_FAILED = 3;
  private static final byte NOT_FOUND = 4;

  /** First four bytes of every snapshot file, whatever its version: "SGS1". */
  public static final int SNAPSHOT_MAGIC = 0x53475331;


  private KvCodec() {}

  /** Encodes a command for the replicated log. */
  public static byte[] encodeCommand(KvCommand command) {
    return write(out -> {
      out.writeByte(FORMAT_VERSION);
      if (command instanceof KvCommand.Put put) {
        out.writeByte(PUT);
        writeString(out, put.key());
        out.writeLong(put.expectedModRevision());
        writeString(out, put.value());
      } else {
        KvCommand.Delete delete = (KvCommand.Delete) command;
        out.writeByte(DELETE);
        writeString(out, delete.key());
        out.writeLong(delete.expectedModRevision());
      }
    });
  }

  /**
   * Decodes a command written by {@link #encodeCommand}.
   *
   * @throws IllegalArgumentException if the bytes are not a valid command
   */
  public static KvCommand decodeCommand(byte[] bytes) {
    return read(bytes, in -> {
      checkVersion(in.readByte());
      byte tag = in.readByte();
      String key = readString(in);
      long expected = in.readLong();
      return switch (tag) {
        case PUT -> new KvCommand.Put(key, readString(in), expected);
        case DELETE -> new KvCommand.Delete(key, expected);
        default -> throw new IllegalArgumentException("unknown command tag " + tag);
      };
    });
  }

  /** Encodes the result of applying a command. */
  public static byte[] encodeResult(KvResult result) {
    return write(out -> {
      out.writeByte(FORMAT_VERSION);
      // Java 17 has no pattern matching for switch; an if-chain over the sealed variants.
      if (result instanceof KvResult.Written w) {
        out.writeByte(WRITTEN);
        writeEntry(out, w.entry());
      } else if (result instanceof KvResult.Deleted d) {
        out.writeByte(DELETED);
        writeEntry(out, d.previous());
      } else if (result instanceof KvResult.PreconditionFailed p) {
        out.writeByte(PRECONDITION_FAILED);
        writeString(out, p.key());
        out.writeLong(p.actualModRevision());
      } else {
        KvResult.NotFound n = (KvResult.NotFound) result;
        out.writeByte(NOT_FOUND);
        writeString(out, n.key());
      }
      out.writeLong(result.revision());
    });
  }

  /** Decodes a result written by {@link #encodeResult}. */
  public static KvResult decodeResult(byte[] bytes) {
    return read(bytes, in -> {
      checkVersion(in.readByte());
      byte tag = in.readByte();
      return switch (tag) {
        case WRITTEN -> {
          KvEntry entry = readEntry(in);
          yield new KvResult.Written(entry, in.readLong());
        }
        case DELETED -> {
          KvEntry entry = readEntry(in);
          yield new KvResult.Deleted(entry, in.readLong());
        }
        case PRECONDITION_FAILED -> {
          String key = readString(in);
          long actual = in.readLong();
          yield new KvResult.PreconditionFailed(key, actual, in.readLong());
        }
        case NOT_FOUND -> {
          String key = readString(in);
          yield new KvResult.NotFound(key, in.readLong());
        }
        default -> throw new IllegalArgumentException("unknown result tag " + tag);
      };
    });
  }

  /** Encodes a read query: the key to read. */
  public static byte[] encodeQuery(String key) {
    return write(out -> {
      out.writeByte(FORMAT_VERSION);
      writeString(out, key);
    });
  }

  /** Decodes a read query. */
  public static String decodeQuery(byte[] bytes) {
    return read(bytes, in -> {
      checkVersion(in.readByte());
      return readString(in);
    });
  }

  /** Encodes the answer to a read query: the entry, if present. */
  public static byte[] encodeQueryAnswer(Optional<KvEntry> entry) {
    return write(out -> {
      out.writeByte(FORMAT_VERSION);
      out.writeBoolean(entry.isPresent());
      if (entry.isPresent()) {
        writeEntry(out, entry.get());
      }
    });
  }

  /** Decodes the answer to a read query. */
  public static Optional<KvEntry> decodeQueryAnswer(byte[] bytes) {
    return read(bytes, in -> {
      checkVersion(in.readByte());
      return in.readBoolean() ? Optional.of(readEntry(in)) : Optional.empty();
    });
  }

  /**
   * Writes a version-1 snapshot of {@code store}: magic, version, revision, entry count, entries,
   * and a CRC-32C of everything before it. The caller owns the stream and its fsync. Nodes now
   * write version 2 (with locks, see {@code RegistryCodec}), which reads both versions.
   */
  public static void writeSnapshot(KvStore store, OutputStream target) throws IOException {
    CRC32C crc = new CRC32C();
    DataOutputStream out = new DataOutputStream(new CheckedOutputStream(target, crc));
    out.writeInt(SNAPSHOT_MAGIC);
    out.writeByte(FORMAT_VERSION);
    out.writeLong(store.revision());
    out.writeInt(store.size());
    for (KvEntry entry : store.entries().values()) {
      writeEntry(out, entry);
    }
    out.flush();
    // The checksum itself is written outside the checked stream.
    new DataOutputStream(target).writeLong(crc.getValue());
    target.flush();
  }

  /**
   * Reads a snapshot written by {@link #writeSnapshot}.
   *
   * @throws IOException if the stream is truncated, corrupt (checksum mismatch) or not a snapshot
   */
  public static KvStore readSnapshot(InputStream source) throws IOException {
    CRC32C crc = new CRC32C();
    DataInputStream in = new DataInputStream(new CheckedInputStream(source, crc));
    try {
      if (in.readInt() != SNAPSHOT_MAGIC) {
        throw new IOException("not a SplitGuard snapshot (bad magic)");
      }
      checkVersion(in.readByte());
      long revision = in.readLong();
      int count = in.readInt();
      if (count < 0) {
        throw new IOException("corrupt snapshot: negative entry count");
      }
      List<KvEntry> entries = new ArrayList<>(Math.min(count, 1 << 16));
      for (int i = 0; i < count; i++) {
        entries.add(readEntry(in));
      }
      long expected = crc.getValue();
      long stored = new DataInputStream(source).readLong();
      if (stored != expected) {
        throw new IOException("corrupt snapshot: checksum mismatch");
      }
      return KvStore.restore(entries, revision);
    } catch (EOFException e) {
      throw new IOException("truncated snapshot", e);
    } catch (IllegalArgumentException e) {
      throw new IOException("corrupt snapshot: " + e.getMessage(), e);
    }
  }

  /** Writes one entry as snapshots and results store it (also used by the registry snapshot). */
  public static void writeEntry(DataOutputStream out, KvEntry entry) throws IOException {
    writeString(out, entry.key());
    writeString(out, entry.value());
    out.writeLong(entry.createRevision());
    out.writeLong(entry.modRevision());
    out.writeLong(entry.version());
  }

  /** Reads an entry written by {@link #writeEntry}. */
  public static KvEntry readEntry(DataInputStream in) throws IOException {
    String key = readString(in);
    String value = readString(in);
    return new KvEntry(key, value, in.readLong(), in.readLong(), in.readLong());
  }

  private static void checkVersion(byte version) throws IOException {
    Framing.requireVersion(version, FORMAT_VERSION);
  }
}
