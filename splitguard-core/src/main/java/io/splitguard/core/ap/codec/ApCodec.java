package io.splitguard.core.ap.codec;

import static io.splitguard.core.codec.Framing.readString;
import static io.splitguard.core.codec.Framing.writeString;

import io.splitguard.core.ap.Digests;
import io.splitguard.core.ap.clock.ClockTombstone;
import io.splitguard.core.ap.clock.Dot;
import io.splitguard.core.ap.clock.Hlc;
import io.splitguard.core.ap.clock.Stamp;
import io.splitguard.core.ap.clock.VectorClock;
import io.splitguard.core.ap.crdt.LwwRegister;
import io.splitguard.core.ap.crdt.ManualRegister;
import io.splitguard.core.ap.crdt.Mergeable;
import io.splitguard.core.ap.crdt.MvRegister;
import io.splitguard.core.ap.crdt.OrSet;
import io.splitguard.core.ap.crdt.PnCounter;
import io.splitguard.core.ap.crdt.Sibling;
import io.splitguard.core.ap.crdt.SupersedeReason;
import io.splitguard.core.ap.crdt.Superseded;
import io.splitguard.core.ap.merkle.MerkleTree;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.codec.Framing;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Binary encodings of the AP tier's types.
 *
 * <p>Every message is a format version byte, a type tag byte and the body; decoding checks both
 * and refuses trailing bytes ({@link Framing}). Maps are written in key order, so equal values
 * encode to equal bytes, which {@link #versionDigest} and the Merkle trees rely on. The format is
 * versioned and may only be extended: WAL segments and snapshots outlive releases.
 *
 * <p><b>Versions.</b> Format 1 is the original. Format 2 adds deletes: an LWW register's body gains
 * a flag byte (1 = tombstone, then no value), and a superseded record may carry the reason {@code
 * DELETED}. Every message is written in the <em>lowest</em> format that can express it, so values
 * without deletes keep their format-1 bytes (and version digests, hence Merkle trees) and nodes
 * that only read format 1 can still read them; both formats are read.
 */
public final class ApCodec {
  private static final byte FORMAT_1 = 1;
  private static final byte FORMAT_2 = 2;

  private static final byte HLC = 1;
  private static final byte VECTOR_CLOCK = 2;
  private static final byte TOMBSTONE = 3;
  private static final byte PN_COUNTER = 4;
  private static final byte OR_SET = 5;
  private static final byte MV_REGISTER = 6;
  private static final byte MANUAL_REGISTER = 7;
  private static final byte LWW_REGISTER = 8;
  private static final byte SUPERSEDED = 9;
  private static final byte MERKLE_TREE = 10;
  private static final byte STAMP = 11;

  /** Format 2 LWW register flags. */
  private static final byte LWW_LIVE = 0;
  private static final byte LWW_TOMBSTONE = 1;

  /** Ceiling on any decoded collection size, against corrupt counts allocating gigabytes. */
  private static final int MAX_COUNT = 16 * 1024 * 1024;

  private ApCodec() {}

  // ---- top-level messages

  /** Encodes a timestamp. */
  public static byte[] encodeHlc(Hlc hlc) {
    return message(HLC, out -> writeHlc(out, hlc));
  }

  /** Decodes a timestamp. */
  public static Hlc decodeHlc(byte[] bytes) {
    return message(bytes, HLC, ApCodec::readHlc);
  }

  /** Encodes a vector clock. */
  public static byte[] encodeVectorClock(VectorClock clock) {
    return message(VECTOR_CLOCK, out -> writeVectorClock(out, clock));
  }

  /** Decodes a vector clock. */
  public static VectorClock decodeVectorClock(byte[] bytes) {
    return message(bytes, VECTOR_CLOCK, ApCodec::readVectorClock);
  }

  /** Encodes a tombstone of collected clock entries. */
  public static byte[] encodeTombstone(ClockTombstone t) {
    return message(TOMBSTONE, out -> {
      out.writeInt(t.nodes().size());
      for (NodeId n : t.nodes()) {
        writeString(out, n.value());
      }
      writeString(out, t.sha256());
      out.writeLong(t.collectedAtMs());
    });
  }

  /** Decodes a tombstone. */
  public static ClockTombstone decodeTombstone(byte[] bytes) {
    return message(bytes, TOMBSTONE, in -> {
      int n = readCount(in);
      List<NodeId> nodes = new ArrayList<>(Math.min(n, 1024));
      for (int i = 0; i < n; i++) {
        nodes.add(NodeId.of(readString(in)));
      }
      String sha = readString(in);
      return new ClockTombstone(nodes, sha, in.readLong());
    });
  }

  /** Encodes any AP value; the tag says which type. */
  public static byte[] encodeValue(Mergeable<?> value) {
    // Java 17: an if-chain over the sealed variants instead of a pattern switch.
    if (value instanceof PnCounter c) {
      return message(PN_COUNTER, out -> {
        writeString(out, c.key());
        out.writeInt(c.totals().size());
        for (Map.Entry<NodeId, PnCounter.Totals> e : c.totals().entrySet()) {
          writeString(out, e.getKey().value());
          out.writeLong(e.getValue().increments());
          out.writeLong(e.getValue().decrements());
        }
      });
    }
    if (value instanceof OrSet s) {
      return message(OR_SET, out -> {
        writeString(out, s.key());
        out.writeInt(s.dots().size());
        for (Map.Entry<Dot, String> e : s.dots().entrySet()) {
          writeDot(out, e.getKey());
          writeString(out, e.getValue());
        }
        writeVectorClock(out, s.context());
      });
    }
    if (value instanceof MvRegister r) {
      return message(MV_REGISTER, out -> writeSiblings(out, r.key(), r.siblings(), r.context()));
    }
    if (value instanceof ManualRegister r) {
      return message(MANUAL_REGISTER, out -> writeSiblings(out, r.key(), r.siblings(), r.context()));
    }
    LwwRegister r = (LwwRegister) value;
    if (r.deleted()) {
      return message(FORMAT_2, LWW_REGISTER, out -> {
        writeString(out, r.key());
        out.writeByte(LWW_TOMBSTONE);
        writeHlc(out, r.stamp());
      });
    }
    return message(LWW_REGISTER, out -> {
      writeString(out, r.key());
      writeString(out, r.value());
      writeHlc(out, r.stamp());
    });
  }

  /**
   * Decodes a value written by {@link #encodeValue}.
   *
   * @throws IllegalArgumentException if the bytes are not a valid value
   */
  public static Mergeable<?> decodeValue(byte[] bytes) {
    return Framing.read(bytes, in -> {
      byte version = readVersion(in);
      byte tag = in.readByte();
      switch (tag) {
        case PN_COUNTER: {
          String key = readString(in);
          int n = readCount(in);
          TreeMap<NodeId, PnCounter.Totals> totals = new TreeMap<>();
          for (int i = 0; i < n; i++) {
            NodeId node = NodeId.of(readString(in));
            totals.put(node, new PnCounter.Totals(in.readLong(), in.readLong()));
          }
          return new PnCounter(key, totals);
        }
        case OR_SET: {
          String key = readString(in);
          int n = readCount(in);
          TreeMap<Dot, String> dots = new TreeMap<>();
          for (int i = 0; i < n; i++) {
            Dot dot = readDot(in);
            dots.put(dot, readString(in));
          }
          return new OrSet(key, dots, readVectorClock(in));
        }
        case MV_REGISTER: {
          String key = readString(in);
          List<Sibling> siblings = readSiblingList(in);
          return new MvRegister(key, siblings, readVectorClock(in));
        }
        case MANUAL_REGISTER: {
          String key = readString(in);
          List<Sibling> siblings = readSiblingList(in);
          return new ManualRegister(key, siblings, readVectorClock(in));
        }
        case LWW_REGISTER: {
          String key = readString(in);
          if (version == FORMAT_1) {
            String value = readString(in);
            return new LwwRegister(key, value, readHlc(in));
          }
          byte flag = in.readByte();
          if (flag == LWW_TOMBSTONE) {
            return LwwRegister.tombstone(key, readHlc(in));
          }
          if (flag != LWW_LIVE) {
            throw new IOException("unknown LWW register flag " + flag);
          }
          String value = readString(in);
          return new LwwRegister(key, value, readHlc(in));
        }
        default:
          throw new IOException("not an AP value: tag " + tag);
      }
    });
  }

  /**
   * The digest of a value's state for Merkle leaves: SHA-256 of its encoding. Equal states give
   * equal digests on every node, because encodings are canonical.
   */
  public static byte[] versionDigest(Mergeable<?> value) {
    return Digests.sha256(encodeValue(value));
  }

  /** Encodes a superseded-value record (for the audit log and the key's history). */
  public static byte[] encodeSuperseded(Superseded s) {
    byte version = s.reason() == SupersedeReason.DELETED ? FORMAT_2 : FORMAT_1;
    return message(version, SUPERSEDED, out -> {
      writeString(out, s.key());
      writeString(out, s.value());
      writeStamp(out, s.clock());
      writeString(out, s.node().value());
      out.writeByte(s.reason().ordinal());
    });
  }

  /** Decodes a superseded-value record. */
  public static Superseded decodeSuperseded(byte[] bytes) {
    return message(bytes, SUPERSEDED, in -> {
      String key = readString(in);
      String value = readString(in);
      Stamp clock = readStamp(in);
      NodeId node = NodeId.of(readString(in));
      int reason = in.readByte();
      SupersedeReason[] reasons = SupersedeReason.values();
      if (reason < 0 || reason >= reasons.length) {
        throw new IOException("unknown supersede reason " + reason);
      }
      return new Superseded(key, value, clock, node, reasons[reason]);
    });
  }

  /** Encodes a Merkle tree as its leaves (inner nodes are recomputed on decode). */
  public static byte[] encodeMerkleTree(MerkleTree tree) {
    return message(MERKLE_TREE, out -> {
      out.writeInt(tree.rangeCount());
      for (byte[] leaf : tree.leaves()) {
        out.write(leaf);
      }
    });
  }

  /** Decodes a Merkle tree. */
  public static MerkleTree decodeMerkleTree(byte[] bytes) {
    return message(bytes, MERKLE_TREE, in -> {
      int n = in.readInt();
      if (n < 1 || n > MerkleTree.MAX_RANGES) {
        throw new IOException("corrupt range count " + n);
      }
      List<byte[]> leaves = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        byte[] leaf = new byte[Digests.SHA256_BYTES];
        in.readFully(leaf);
        leaves.add(leaf);
      }
      return MerkleTree.ofLeaves(leaves);
    });
  }

  // ---- parts

  private static final byte STAMP_HLC = 1;
  private static final byte STAMP_VECTOR = 2;

  private static void writeStamp(DataOutputStream out, Stamp stamp) throws IOException {
    if (stamp instanceof Hlc h) {
      out.writeByte(STAMP_HLC);
      writeHlc(out, h);
    } else {
      out.writeByte(STAMP_VECTOR);
      writeVectorClock(out, (VectorClock) stamp);
    }
  }

  private static Stamp readStamp(DataInputStream in) throws IOException {
    byte kind = in.readByte();
    if (kind == STAMP_HLC) {
      return readHlc(in);
    }
    if (kind == STAMP_VECTOR) {
      return readVectorClock(in);
    }
    throw new IOException("unknown stamp kind " + kind);
  }

  private static void writeHlc(DataOutputStream out, Hlc hlc) throws IOException {
    out.writeLong(hlc.physicalMs());
    out.writeInt(hlc.logical());
    writeString(out, hlc.node().value());
  }

  private static Hlc readHlc(DataInputStream in) throws IOException {
    long physical = in.readLong();
    int logical = in.readInt();
    return new Hlc(physical, logical, NodeId.of(readString(in)));
  }

  private static void writeVectorClock(DataOutputStream out, VectorClock clock) throws IOException {
    out.writeInt(clock.entries().size());
    for (Map.Entry<NodeId, Long> e : clock.entries().entrySet()) {
      writeString(out, e.getKey().value());
      out.writeLong(e.getValue());
    }
  }

  private static VectorClock readVectorClock(DataInputStream in) throws IOException {
    int n = readCount(in);
    TreeMap<NodeId, Long> entries = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      NodeId node = NodeId.of(readString(in));
      if (entries.put(node, in.readLong()) != null) {
        throw new IOException("duplicate vector clock entry " + node);
      }
    }
    return new VectorClock(entries);
  }

  private static void writeDot(DataOutputStream out, Dot dot) throws IOException {
    writeString(out, dot.node().value());
    out.writeLong(dot.counter());
  }

  private static Dot readDot(DataInputStream in) throws IOException {
    NodeId node = NodeId.of(readString(in));
    return new Dot(node, in.readLong());
  }

  private static void writeSiblings(DataOutputStream out, String key, List<Sibling> siblings, VectorClock context)
      throws IOException {
    writeString(out, key);
    out.writeInt(siblings.size());
    for (Sibling s : siblings) {
      writeDot(out, s.dot());
      writeString(out, s.value());
      writeVectorClock(out, s.causalContext());
    }
    writeVectorClock(out, context);
  }

  private static List<Sibling> readSiblingList(DataInputStream in) throws IOException {
    int n = readCount(in);
    List<Sibling> siblings = new ArrayList<>(Math.min(n, 1024));
    for (int i = 0; i < n; i++) {
      Dot dot = readDot(in);
      String value = readString(in);
      siblings.add(new Sibling(dot, value, readVectorClock(in)));
    }
    return siblings;
  }

  private static int readCount(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > MAX_COUNT) {
      throw new IOException("corrupt count " + n);
    }
    return n;
  }

  /** Encodes a stamp (an HLC or a vector clock), e.g. a history's watermark. */
  public static byte[] encodeStamp(Stamp stamp) {
    return message(STAMP, out -> writeStamp(out, stamp));
  }

  /** Decodes a stamp. */
  public static Stamp decodeStamp(byte[] bytes) {
    return message(bytes, STAMP, ApCodec::readStamp);
  }

  private static byte[] message(byte tag, Framing.Writer body) {
    return message(FORMAT_1, tag, body);
  }

  private static byte[] message(byte version, byte tag, Framing.Writer body) {
    return Framing.write(out -> {
      out.writeByte(version);
      out.writeByte(tag);
      body.write(out);
    });
  }

  private static byte readVersion(DataInputStream in) throws IOException {
    byte version = in.readByte();
    if (version != FORMAT_1 && version != FORMAT_2) {
      throw new IOException("unsupported format version " + version);
    }
    return version;
  }

  private static <T> T message(byte[] bytes, byte tag, Framing.Reader<T> body) {
    return Framing.read(bytes, in -> {
      readVersion(in);
      byte actual = in.readByte();
      if (actual != tag) {
        throw new IOException("expected message type " + tag + ", found " + actual);
      }
      return body.read(in);
    });
  }
}
