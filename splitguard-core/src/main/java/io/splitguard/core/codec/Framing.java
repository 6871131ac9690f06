package io.splitguard.core.codec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The framing shared by the binary codecs of the replicated log and snapshots: length-prefixed
 * UTF-8 strings (values can be far larger than {@code writeUTF}'s 64 KiB limit), format-version
 * checks, and whole-message encode/decode that refuses trailing bytes.
 */
public final class Framing {
  /** Hard ceiling on a decoded string, far above any configurable limit, against corruption. */
  public static final int MAX_STRING_BYTES = 64 * 1024 * 1024;

  private Framing() {}

  /** Writes part of a message. */
  @FunctionalInterface
  public interface Writer {
    /** Writes to {@code out}. */
    void write(DataOutputStream out) throws IOException;
  }

  /** Reads a whole message. */
  @FunctionalInterface
  public interface Reader<T> {
    /** Reads from {@code in}. */
    T read(DataInputStream in) throws IOException;
  }

  /** Encodes one message in memory. */
  public static byte[] write(Writer writer) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writer.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException("in-memory write cannot fail", e);
    }
    return bytes.toByteArray();
  }

  /**
   * Decodes one whole message.
   *
   * @throws IllegalArgumentException if the bytes are malformed or followed by trailing bytes
   */
  public static <T> T read(byte[] bytes, Reader<T> reader) {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
    try {
      T value = reader.read(in);
      if (in.available() != 0) {
        throw new IllegalArgumentException("trailing bytes after message");
      }
      return value;
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed message: " + e.getMessage(), e);
    }
  }

  /** Writes a length-prefixed UTF-8 string. */
  public static void writeString(DataOutput out, String s) throws IOException {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  /** Reads a string written by {@link #writeString}. */
  public static String readString(DataInput in) throws IOException {
    int length = in.readInt();
    if (length < 0 || length > MAX_STRING_BYTES) {
      throw new IOException("corrupt string length " + length);
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** Refuses a format version other than {@code expected}. */
  public static void requireVersion(byte actual, byte expected) throws IOException {
    if (actual != expected) {
      throw new IOException("unsupported format version " + actual);
    }
  }
}
