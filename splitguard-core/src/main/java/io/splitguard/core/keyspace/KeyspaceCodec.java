package io.splitguard.core.keyspace;

import static io.splitguard.core.codec.Framing.read;
import static io.splitguard.core.codec.Framing.readString;
import static io.splitguard.core.codec.Framing.write;
import static io.splitguard.core.codec.Framing.writeString;

import io.splitguard.core.codec.Framing;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Optional;

/**
 * Binary encodings of keyspace commands and results (replicated log) and of keyspaces (snapshots).
 *
 * <p>Keyspace commands share the log with key-value commands (tags 1-2) and lock commands (3-7):
 * format version {@code 1}, then tag {@code 20}. Results use tags 21-23, distinct from every other
 * codec's, so decoding with the wrong codec fails loudly. Like every log format, this one may only
 * ever be extended.
 */
public final class KeyspaceCodec {
  private static final byte FORMAT_VERSION = 1;
  private static final byte DECLARE = 20;
  private static final byte DECLARED = 21;
  private static final byte UNCHANGED = 22;
  private static final byte REFUSED = 23;
  private static final byte NO_MERGE = -1;

  private KeyspaceCodec() {}

  /** Whether an encoded log command is a keyspace command. */
  public static boolean isKeyspaceCommand(byte[] bytes) {
    return bytes.length >= 2 && bytes[0] == FORMAT_VERSION && bytes[1] == DECLARE;
  }

  /** Encodes a command for the replicated log. */
  public static byte[] encodeCommand(KeyspaceCommand command) {
    KeyspaceCommand.Declare d = (KeyspaceCommand.Declare) command;
    return write(out -> {
      out.writeByte(FORMAT_VERSION);
      out.writeByte(DECLARE);
      writeDeclare(out, d);
    });
  }

  /**
   * Decodes a command written by {@link #encodeCommand}.
   *
   * @throws IllegalArgumentException if the bytes are not a valid keyspace command
   */
  public static KeyspaceCommand decodeCommand(byte[] bytes) {
    return read(bytes, in -> {
      Framing.requireVersion(in.readByte(), FORMAT_VERSION);
      byte tag = in.readByte();
      if (tag != DECLARE) {
        throw new IllegalArgumentException("unknown keyspace command tag " + tag);
      }
      return readDeclare(in);
    });
  }

  /** Encodes the result of applying a command. */
  public static byte[] encodeResult(KeyspaceResult result) {
    return write(out -> {
      out.writeByte(FORMAT_VERSION);
      if (result instanceof KeyspaceResult.Declared d) {
        out.writeByte(DECLARED);
        writeKeyspace(out, d.keyspace());
        out.writeBoolean(d.created());
      } else if (result instanceof KeyspaceResult.Unchanged u) {
        out.writeByte(UNCHANGED);
        writeKeyspace(out, u.keyspace());
      } else {
        KeyspaceResult.Refused r = (KeyspaceResult.Refused) result;
        out.writeByte(REFUSED);
        writeKeyspace(out, r.existing());
        writeDeclare(out, r.requested());
      }
      out.writeLong(result.revision());
    });
  }

  /** Decodes a result written by {@link #encodeResult}. */
  public static KeyspaceResult decodeResult(byte[] bytes) {
    return read(bytes, in -> {
      Framing.requireVersion(in.readByte(), FORMAT_VERSION);
      byte tag = in.readByte();
      switch (tag) {
        case DECLARED: {
          Keyspace k = readKeyspace(in);
          boolean created = in.readBoolean();
          return new KeyspaceResult.Declared(k, created, in.readLong());
        }
        case UNCHANGED: {
          Keyspace k = readKeyspace(in);
          return new KeyspaceResult.Unchanged(k, in.readLong());
        }
        case REFUSED: {
          Keyspace k = readKeyspace(in);
          KeyspaceCommand.Declare d = readDeclare(in);
          return new KeyspaceResult.Refused(k, d, in.readLong());
        }
        default:
          throw new IllegalArgumentException("unknown keyspace result tag " + tag);
      }
    });
  }

  /** Writes one keyspace as snapshots and results store it. */
  public static void writeKeyspace(DataOutput out, Keyspace k) throws IOException {
    writeDeclare(out, k.declaration());
    out.writeLong(k.revision());
  }

  /** Reads a keyspace written by {@link #writeKeyspace}. */
  public static Keyspace readKeyspace(DataInput in) throws IOException {
    KeyspaceCommand.Declare d = readDeclare(in);
    long revision = in.readLong();
    try {
      return d.at(revision);
    } catch (IllegalArgumentException e) {
      throw new IOException("invalid keyspace: " + e.getMessage(), e);
    }
  }

  private static void writeDeclare(DataOutput out, KeyspaceCommand.Declare d) throws IOException {
    writeString(out, d.name());
    out.writeByte(d.mode().ordinal());
    out.writeByte(d.merge().map(m -> (byte) m.ordinal()).orElse(NO_MERGE));
    out.writeLong(d.graceMs());
  }

  private static KeyspaceCommand.Declare readDeclare(DataInput in) throws IOException {
    String name = readString(in);
    int mode = in.readByte();
    int merge = in.readByte();
    long grace = in.readLong();
    if (mode < 0 || mode >= KeyspaceMode.values().length) {
      throw new IOException("unknown keyspace mode " + mode);
    }
    if (merge != NO_MERGE && (merge < 0 || merge >= MergePolicy.values().length)) {
      throw new IOException("unknown merge policy " + merge);
    }
    try {
      return new KeyspaceCommand.Declare(name, KeyspaceMode.values()[mode],
          merge == NO_MERGE ? Optional.empty() : Optional.of(MergePolicy.values()[merge]), grace);
    } catch (IllegalArgumentException e) {
      throw new IOException("invalid keyspace declaration: " + e.getMessage(), e);
    }
  }
}
