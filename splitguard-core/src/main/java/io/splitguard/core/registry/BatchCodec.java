package io.splitguard.core.registry;

import static io.splitguard.core.codec.Framing.read;
import static io.splitguard.core.codec.Framing.readString;
import static io.splitguard.core.codec.Framing.write;
import static io.splitguard.core.codec.Framing.writeString;

import java.io.DataInputStream;
import java.io.DataOutputStream;
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
 *
 * <p>Format version 2 lets an element carry its own {@link AppliedRequests.RequestId}: a write a
 * follower <em>forwarded</em> to the leader, which merged it into its own round. The forward may
 * be retried into another entry (another leader, or the same one after a lost reply), so the
 * element, not only the entry, must be applied at most once. Version 1 is written whenever no
 * element has an id, so a cluster whose writes all reach the leader directly writes what older
 * versions read.
 *
 * <p>A forward ({@link #encodeForward}) is the same list of elements with ids, starting with
 * {@value #FORWARD_MAGIC}: a follower's batch on its way to the leader, never a log entry.
 */
public final class BatchCodec {
  /** The first byte of every batch. */
  public static final byte BATCH_MAGIC = 9;

  /** The first byte of every forwarded batch (follower to leader); never written to the log. */
  public static final byte FORWARD_MAGIC = 10;

  private static final byte FORMAT_VERSION = 1;
  private static final byte FORMAT_VERSION_WITH_IDS = 2;
  private static final byte NO_ID = 0;
  private static final byte HAS_ID = 1;
  private static final int MAX_CLIENT_ID_BYTES = 64;

  /** Ceiling on the element count of a decoded batch, against corruption. */
  public static final int MAX_ELEMENTS = 1 << 16;

  private static final byte DONE = 1;
  private static final byte FAILED = 2;
  private static final byte UNKNOWN = 3;

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

    /**
     * Whether the element took effect is not known to whoever answers: it was a copy of a request
     * already applied (whose result went to an earlier attempt), or its round had no answer.
     */
    record Unknown(String reason) implements Outcome {
      /** Checks the reason is present. */
      public Unknown {
        Objects.requireNonNull(reason, "reason");
      }
    }
  }

  /**
   * One request in a batch: its bytes as it would be sent alone, and the id it must be applied
   * under at most once, or null when the entry's own id covers it (it reached the leader
   * directly).
   */
  public record Element(byte[] bytes, AppliedRequests.RequestId id) {
    /** Checks the bytes are present. */
    public Element {
      Objects.requireNonNull(bytes, "bytes");
    }

    /** An element without an id of its own. */
    public static Element of(byte[] bytes) {
      return new Element(bytes, null);
    }
  }

  /** Whether {@code bytes} are a batch rather than a single request. */
  public static boolean isBatch(byte[] bytes) {
    return bytes.length >= 1 && bytes[0] == BATCH_MAGIC;
  }

  /** Encodes requests, each already encoded alone, as one batch (format version 1). */
  public static byte[] encode(List<byte[]> elements) {
    return encodeElements(elements.stream().map(Element::of).toList());
  }

  /**
   * Encodes elements as one batch: format version 2 if any element has an id of its own, else
   * version 1.
   */
  public static byte[] encodeElements(List<Element> elements) {
    checkCount(elements.size());
    boolean withIds = elements.stream().anyMatch(e -> e.id() != null);
    return write(out -> {
      out.writeByte(BATCH_MAGIC);
      writeElements(out, elements, withIds);
    });
  }

  /**
   * Decodes a batch into its elements' bytes.
   *
   * @throws IllegalArgumentException if the bytes are not a well-formed batch
   */
  public static List<byte[]> decode(byte[] bytes) {
    return decodeElements(bytes).stream().map(Element::bytes).toList();
  }

  /**
   * Decodes a batch of either format version into its elements (ids are null in version 1).
   *
   * @throws IllegalArgumentException if the bytes are not a well-formed batch
   */
  public static List<Element> decodeElements(byte[] bytes) {
    return read(bytes, in -> {
      if (in.readByte() != BATCH_MAGIC) {
        throw new IllegalArgumentException("not a batch");
      }
      return readElements(in);
    });
  }

  /** Whether {@code bytes} are a forwarded batch. */
  public static boolean isForward(byte[] bytes) {
    return bytes.length >= 1 && bytes[0] == FORWARD_MAGIC;
  }

  /** Encodes a follower's batch for the leader; every element must have an id. */
  public static byte[] encodeForward(List<Element> elements) {
    checkCount(elements.size());
    for (Element e : elements) {
      if (e.id() == null) {
        throw new IllegalArgumentException("a forwarded element needs a request id");
      }
    }
    return write(out -> {
      out.writeByte(FORWARD_MAGIC);
      writeElements(out, elements, true);
    });
  }

  /**
   * Decodes a forwarded batch.
   *
   * @throws IllegalArgumentException if the bytes are malformed or an element has no id
   */
  public static List<Element> decodeForward(byte[] bytes) {
    List<Element> elements = read(bytes, in -> {
      if (in.readByte() != FORWARD_MAGIC) {
        throw new IllegalArgumentException("not a forwarded batch");
      }
      return readElements(in);
    });
    for (Element e : elements) {
      if (e.id() == null) {
        throw new IllegalArgumentException("a forwarded element has no request id");
      }
    }
    return elements;
  }

  /**
   * The answer of a node that does not lead to a forwarded batch: nothing of it was accepted,
   * send it to the leader. Distinct from every outcome list, which starts with {@link
   * #BATCH_MAGIC}.
   */
  public static byte[] forwardRefused() {
    return new byte[] {FORWARD_MAGIC};
  }

  /** Whether a reply to a forwarded batch is {@link #forwardRefused()}. */
  public static boolean isForwardRefused(byte[] reply) {
    return reply.length == 1 && reply[0] == FORWARD_MAGIC;
  }

  private static void writeElements(DataOutputStream out, List<Element> elements,
      boolean withIds) throws IOException {
    out.writeByte(withIds ? FORMAT_VERSION_WITH_IDS : FORMAT_VERSION);
    out.writeInt(elements.size());
    for (Element element : elements) {
      if (withIds) {
        AppliedRequests.RequestId id = element.id();
        if (id == null) {
          out.writeByte(NO_ID);
        } else {
          byte[] client = id.client();
          out.writeByte(HAS_ID);
          out.writeByte(client.length);
          out.write(client);
          out.writeLong(id.call());
        }
      }
      out.writeInt(element.bytes().length);
      out.write(element.bytes());
    }
  }

  private static List<Element> readElements(DataInputStream in) throws IOException {
    byte version = in.readByte();
    if (version != FORMAT_VERSION && version != FORMAT_VERSION_WITH_IDS) {
      throw new IllegalArgumentException("unsupported batch format version " + version);
    }
    int count = count(in);
    List<Element> elements = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      AppliedRequests.RequestId id = null;
      if (version == FORMAT_VERSION_WITH_IDS) {
        byte flag = in.readByte();
        if (flag == HAS_ID) {
          int clientLength = in.readUnsignedByte();
          if (clientLength < 1 || clientLength > MAX_CLIENT_ID_BYTES || clientLength > in.available()) {
            throw new IllegalArgumentException("corrupt request id length " + clientLength);
          }
          id = new AppliedRequests.RequestId(in.readNBytes(clientLength), in.readLong());
        } else if (flag != NO_ID) {
          throw new IllegalArgumentException("corrupt request id flag " + flag);
        }
      }
      int length = in.readInt();
      if (length < 0 || length > in.available()) {
        throw new IllegalArgumentException("corrupt element length " + length);
      }
      elements.add(new Element(in.readNBytes(length), id));
    }
    return elements;
  }

  private static void checkCount(int count) {
    if (count < 1 || count > MAX_ELEMENTS) {
      throw new IllegalArgumentException("a batch holds 1 to " + MAX_ELEMENTS + " elements, not "
          + count);
    }
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
        } else if (outcome instanceof Outcome.Failed failed) {
          out.writeByte(FAILED);
          writeString(out, failed.reason());
        } else {
          out.writeByte(UNKNOWN);
          writeString(out, ((Outcome.Unknown) outcome).reason());
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
          case UNKNOWN -> outcomes.add(new Outcome.Unknown(readString(in)));
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
