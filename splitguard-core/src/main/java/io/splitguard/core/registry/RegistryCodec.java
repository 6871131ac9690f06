package io.splitguard.core.registry;

import io.splitguard.core.keyspace.Keyspace;
import io.splitguard.core.keyspace.KeyspaceCodec;
import io.splitguard.core.keyspace.KeyspaceTable;
import io.splitguard.core.kv.KvCodec;
import io.splitguard.core.kv.KvEntry;
import io.splitguard.core.kv.KvStore;
import io.splitguard.core.lock.GuardedValue;
import io.splitguard.core.lock.Lease;
import io.splitguard.core.lock.LockCodec;
import io.splitguard.core.lock.LockTable;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * Snapshots of the whole registry, and the read queries its adapter sends to its own replica.
 *
 * <h2>Snapshot formats</h2>
 *
 * <ul>
 *   <li><b>Version 1</b> (written by {@code KvCodec}, before locks existed): magic, version {@code
 *       1}, revision, entry count, entries, CRC-32C.
 *   <li><b>Version 2</b>: magic, version {@code 2}, revision, entry count, entries, then the
 *       replicated clock, lease count, leases, guarded-resource count, guarded values, and a
 *       CRC-32C of everything before it.
 *   <li><b>Version 3</b>: version 2's fields, then the applied-request capacity, count and ids
 *       (client id length and bytes, call number), oldest first, before the CRC.
 *   <li><b>Version 4</b> (written now): version 3's fields, then the count of declared keyspaces
 *       and the keyspaces in name order ({@code KeyspaceCodec.writeKeyspace}), before the CRC.
 * </ul>
 *
 * <p>{@link #readSnapshot} reads all four; a version-1 snapshot restores with no locks, no
 * guarded resources and the replicated clock at 0 (the next leader stamp sets it); versions 1 and
 * 2 restore with no applied request ids; versions 1 to 3 with no declared keyspaces (only
 * {@code default}).
 */
public final class RegistryCodec {
  /** The snapshot version this release writes. */
  public static final byte SNAPSHOT_VERSION = 4;

  private static final byte SNAPSHOT_V3 = 3;

  private static final byte SNAPSHOT_V2 = 2;

  private static final byte SNAPSHOT_V1 = 1;

  // Queries never leave the node (the adapter asks its own replica), so they need no
  // compatibility across releases; they are told apart from keyspace queries (version byte 1) by
  // their first byte.
  private static final byte QUERY_V2 = 2;
  private static final byte QUERY_GUARDED = 1;

  private static final int MAX_STRING_BYTES = 64 * 1024 * 1024;

  private RegistryCodec() {}

  /**
   * Writes a version-4 snapshot of {@code state}. The caller owns the stream and its fsync.
   */
  public static void writeSnapshot(RegistryState state, OutputStream target) throws IOException {
    CRC32C crc = new CRC32C();
    DataOutputStream out = new DataOutputStream(new CheckedOutputStream(target, crc));
    out.writeInt(KvCodec.SNAPSHOT_MAGIC);
    out.writeByte(SNAPSHOT_VERSION);
    KvStore kv = state.kv();
    out.writeLong(kv.revision());
    out.writeInt(kv.size());
    for (KvEntry entry : kv.entries().values()) {
      KvCodec.writeEntry(out, entry);
    }
    LockTable locks = state.locks();
    out.writeLong(locks.clockMs());
    out.writeInt(locks.leases().size());
    for (Lease lease : locks.leases().values()) {
      LockCodec.writeLease(out, lease);
    }
    out.writeInt(locks.guardedValues().size());
    for (GuardedValue value : locks.guardedValues().values()) {
      LockCodec.writeGuarded(out, value);
    }
    AppliedRequests applied = state.appliedRequests();
    out.writeInt(applied.capacity());
    List<AppliedRequests.RequestId> ids = applied.idsOldestFirst();
    out.writeInt(ids.size());
    for (AppliedRequests.RequestId id : ids) {
      byte[] client = id.client();
      out.writeShort(client.length);
      out.write(client);
      out.writeLong(id.call());
    }
    out.writeInt(state.keyspaces().declared().size());
    for (Keyspace k : state.keyspaces().declared().values()) {
      KeyspaceCodec.writeKeyspace(out, k);
    }
    out.flush();
    // The checksum itself is written outside the checked stream.
    new DataOutputStream(target).writeLong(crc.getValue());
    target.flush();
  }

  /**
   * Reads a snapshot of version 1, 2, 3 or 4.
   *
   * @throws IOException if the stream is truncated, corrupt (checksum mismatch), not a snapshot, or
   *     of an unknown version
   */
  public static RegistryState readSnapshot(InputStream source) throws IOException {
    CRC32C crc = new CRC32C();
    DataInputStream in = new DataInputStream(new CheckedInputStream(source, crc));
    try {
      if (in.readInt() != KvCodec.SNAPSHOT_MAGIC) {
        throw new IOException("not a SplitGuard snapshot (bad magic)");
      }
      byte version = in.readByte();
      if (version < SNAPSHOT_V1 || version > SNAPSHOT_VERSION) {
        throw new IOException("unsupported snapshot version " + version);
      }
      long revision = in.readLong();
      int count = count(in, "entry");
      List<KvEntry> entries = new ArrayList<>(Math.min(count, 1 << 16));
      for (int i = 0; i < count; i++) {
        entries.add(KvCodec.readEntry(in));
      }
      long clockMs = 0;
      List<Lease> leases = new ArrayList<>();
      List<GuardedValue> guarded = new ArrayList<>();
      AppliedRequests applied = new AppliedRequests();
      if (version >= SNAPSHOT_V2) {
        clockMs = in.readLong();
        int leaseCount = count(in, "lease");
        for (int i = 0; i < leaseCount; i++) {
          leases.add(LockCodec.readLease(in));
        }
        int guardedCount = count(in, "guarded resource");
        for (int i = 0; i < guardedCount; i++) {
          guarded.add(LockCodec.readGuarded(in));
        }
      }
      if (version >= SNAPSHOT_V3) {
        int capacity = in.readInt();
        int idCount = count(in, "applied request");
        List<AppliedRequests.RequestId> ids = new ArrayList<>(Math.min(idCount, 1 << 16));
        for (int i = 0; i < idCount; i++) {
          int length = in.readUnsignedShort();
          byte[] client = in.readNBytes(length);
          if (client.length != length) {
            throw new EOFException("truncated request id");
          }
          ids.add(new AppliedRequests.RequestId(client, in.readLong()));
        }
        applied = AppliedRequests.restore(ids, capacity);
      }
      List<Keyspace> keyspaces = new ArrayList<>();
      if (version >= SNAPSHOT_VERSION) {
        int keyspaceCount = count(in, "keyspace");
        for (int i = 0; i < keyspaceCount; i++) {
          keyspaces.add(KeyspaceCodec.readKeyspace(in));
        }
      }
      long expected = crc.getValue();
      long stored = new DataInputStream(source).readLong();
      if (stored != expected) {
        throw new IOException("corrupt snapshot: checksum mismatch");
      }
      return RegistryState.of(
          KvStore.restore(entries, revision), LockTable.restore(leases, guarded, clockMs, revision), applied,
          KeyspaceTable.restore(keyspaces));
    } catch (EOFException e) {
      throw new IOException("truncated snapshot", e);
    } catch (IllegalArgumentException e) {
      throw new IOException("corrupt snapshot: " + e.getMessage(), e);
    }
  }

  private static int count(DataInputStream in, String what) throws IOException {
    int count = in.readInt();
    if (count < 0) {
      throw new IOException("corrupt snapshot: negative " + what + " count");
    }
    return count;
  }

  /** What a read query asks for. */
  public enum QueryKind {
    /** A key of the {@code default} keyspace. */
    KEY,
    /** A guarded resource. */
    GUARDED
  }

  /** A decoded read query. */
  public record Query(QueryKind kind, String name) {}

  /** Encodes the answer to a guarded-resource query: the resource's state, if it was written. */
  public static byte[] encodeGuardedAnswer(Optional<GuardedValue> value) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(QUERY_V2);
      out.writeBoolean(value.isPresent());
      if (value.isPresent()) {
        LockCodec.writeGuarded(out, value.get());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("in-memory write cannot fail", e);
    }
    return bytes.toByteArray();
  }

  /**
   * Decodes an answer written by {@link #encodeGuardedAnswer}.
   *
   * @throws IllegalArgumentException if the bytes are not such an answer
   */
  public static Optional<GuardedValue> decodeGuardedAnswer(byte[] bytes) {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
    try {
      if (in.readByte() != QUERY_V2) {
        throw new IllegalArgumentException("not a guarded-resource answer");
      }
      Optional<GuardedValue> value = in.readBoolean() ? Optional.of(LockCodec.readGuarded(in)) : Optional.empty();
      if (in.available() != 0) {
        throw new IllegalArgumentException("trailing bytes after message");
      }
      return value;
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed answer: " + e.getMessage(), e);
    }
  }

  /** Encodes a query for a guarded resource. Keyspace queries use {@code KvCodec.encodeQuery}. */
  public static byte[] encodeGuardedQuery(String resource) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + resource.length());
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(QUERY_V2);
      out.writeByte(QUERY_GUARDED);
      byte[] name = resource.getBytes(StandardCharsets.UTF_8);
      out.writeInt(name.length);
      out.write(name);
    } catch (IOException e) {
      throw new UncheckedIOException("in-memory write cannot fail", e);
    }
    return bytes.toByteArray();
  }

  /**
   * Decodes a keyspace query ({@code KvCodec.encodeQuery}) or a guarded-resource query.
   *
   * @throws IllegalArgumentException if the bytes are neither
   */
  public static Query decodeQuery(byte[] bytes) {
    if (bytes.length == 0 || bytes[0] != QUERY_V2) {
      return new Query(QueryKind.KEY, KvCodec.decodeQuery(bytes));
    }
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
    try {
      in.readByte();
      byte kind = in.readByte();
      if (kind != QUERY_GUARDED) {
        throw new IllegalArgumentException("unknown query kind " + kind);
      }
      int length = in.readInt();
      if (length < 0 || length > MAX_STRING_BYTES || length != in.available()) {
        throw new IllegalArgumentException("malformed query: bad name length " + length);
      }
      return new Query(QueryKind.GUARDED, new String(in.readNBytes(length), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed query: " + e.getMessage(), e);
    }
  }
}
