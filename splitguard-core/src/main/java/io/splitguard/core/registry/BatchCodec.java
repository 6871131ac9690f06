package io.splitguard.core.registry;

import static io.splitguard.core.codec.Framing.read;
import static io.splitguard.core.codec.Framing.readString;
import static io.splitguard.core.codec.Framing.write;
import static io.splitguard.core.codec.Framing.writeString;

import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Several independent requests carried as one log entry (commands) or one read-index round
 * (queries), so that concurrent requests share one consensus round, one fsync per replica and one
 * apply hand-off instead of paying each.
 *
 * <p>A batch starts with byte {@value #BATCH_MAGIC}, which no single command or query starts with
 * (those start with their format version, 1 or 2), then the batch format version, the element
 * count and each element's length and bytes: an element is exactly the bytes its request would
 * have had alone. The reply lists one {@link Outcome} per element, in order. Like every log
 * format, this one may only ever be extended.
 */
public final class BatchCodec {
  /** The first byte of every batch. */
  public static final byte BATCH_MAGIC = 9;

  private static final byte FORMAT_VERSION = 1;

  /** Ceiling on the element count of a decoded batch, against corruption. */
  public static final int MAX_ELEMENTS = 1 << 16;

  private static final byte DONE = 1;
  private static final byte FAILED = 2;

  private BatchCodec() {}

  /** What became of one element of a batch. */
  public sealed interface Outcome {
    /** The element was applied (or answered); {@code result} is what it alone would have returned. */
    record Done(byte[] result) implements Outcome {
      /** Checks the result is present. */
      public Done {
        Objects.requireNonNull(result, "result");
      }
    }

    /** The element was refused (it could not be decoded); nothing of it was applied. */
    record Failed(String reason) implements Outcome {
      /** Checks the reason is present. */
      public Failed {
        Objects.requireNonNull(reason, "reason");
      }
    }
  }

  /** Whether {@code bytes} are a batch rather than a single request. */
  public static boolean isBatch(byte[] bytes) {
    return bytes.length >= 1 && bytes[0] == BATCH_MAGIC;
  }

  /** Encodes requests, each already encoded alone, as one batch. */
  public static byte[] encode(List<byte[]> elements) {
    if (elements.isEmpty() || elements.size() > MAX_ELEMENTS) {
      throw new IllegalArgumentException("a batch holds 1 to " + MAX_ELEMENTS + " elements, not "
          + elements.size());
    }
    return write(out -> {
      out.writeByte(BATCH_MAGIC);
      out.writeByte(FORMAT_VERSION);
      out.writeInt(elements.size());
      for (byte[] element : elements) {
        out.writeInt(element.length);
        out.write(element);
      }
    });
  }

  /**
   * Decodes a batch into its elements' bytes.
   *
   * @throws IllegalArgumentException if the bytes are not a well-formed batch
   */
  public static List<byte[]> decode(byte[] bytes) {
    return read(bytes, in -> {
      if (in.readByte() != BATCH_MAGIC) {
        throw new IllegalArgumentException("not a batch");
      }
      checkVersion(in.readByte());
      int count = count(in);
      List<byte[]> elements = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
          throw new IllegalArgumentException("corrupt element length " + length);
        }
        elements.add(in.readNBytes(length));
      }
      return elements;
    });
  }

  /** Encodes the outcomes of a batch's elements, in element order. */
  public static byte[] encodeOutcomes(List<Outcome> outcomes) {
    return write(out -> {
      out.writeByte(BATCH_MAGIC);
      out.writeByte(FORMAT_VERSION);
      out.writeInt(outcomes.size());
      for (Outcome outcome : outcomes) {
        if (outcome instanceof Outcome.Done done) {
          out.writeByte(DONE);
          out.writeInt(done.result().length);
          out.write(done.result());
        } else {
          out.writeByte(FAILED);
          writeString(out, ((Outcome.Failed) outcome).reason());
        }
      }
    });
  }

  /**
   * Decodes the outcomes written by {@link #encodeOutcomes}.
   *
   * @throws IllegalArgumentException if the bytes are malformed
   */
  public static List<Outcome> decodeOutcomes(byte[] bytes) {
    return read(bytes, in -> {
      if (in.readByte() != BATCH_MAGIC) {
        throw new IllegalArgumentException("not a batch reply");
      }
      checkVersion(in.readByte());
      int count = count(in);
      List<Outcome> outcomes = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        byte tag = in.readByte();
        switch (tag) {
          case DONE -> {
            int length = in.readInt();
            if (length < 0 || length > in.available()) {
              throw new IllegalArgumentException("corrupt result length " + length);
            }
            outcomes.add(new Outcome.Done(in.readNBytes(length)));
          }
          case FAILED -> outcomes.add(new Outcome.Failed(readString(in)));
          default -> throw new IllegalArgumentException("unknown outcome tag " + tag);
        }
      }
      return outcomes;
    });
  }

  private static int count(DataInputStream in) throws IOException {
    int count = in.readInt();
    if (count < 1 || count > MAX_ELEMENTS) {
      throw new IllegalArgumentException("corrupt element count " + count);
    }
    return count;
  }

  private static void checkVersion(byte version) {
    if (version != FORMAT_VERSION) {
      throw new IllegalArgumentException("unsupported batch format version " + version);
    }
  }
}
