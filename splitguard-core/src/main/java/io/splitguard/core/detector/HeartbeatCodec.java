package io.splitguard.core.detector;

import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.health.HealthLevel;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The heartbeat datagram, format 2: magic {@code SGHB}, version, cluster name, sender id,
 * sequence, send time, echo (time and hold), health, and the sender's reachable set. A datagram
 * that is not exactly one valid heartbeat of our cluster decodes to empty: a stray packet on the
 * port, or another cluster's node on a reused port, must never count towards our quorum.
 */
public final class HeartbeatCodec {
  private static final int MAGIC = 0x53474842; // "SGHB"
  private static final byte VERSION = 2;
  /** Largest datagram we send; under a typical 1500-byte MTU with IP and UDP headers. */
  public static final int MAX_DATAGRAM = 1400;

  private final byte[] clusterName;

  /** A codec for one cluster. */
  public HeartbeatCodec(String clusterName) {
    this.clusterName = clusterName.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Encodes {@code h}. If the reachable set does not fit in one datagram it is left out (and the
   * recipient sees an empty view, which only hides indirect connectivity, never adds any).
   */
  public ByteBuffer encode(Heartbeat h) {
    byte[] id = h.from().value().getBytes(StandardCharsets.UTF_8);
    byte[][] peers = h.reachable().stream().sorted()
        .map(p -> p.value().getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
    int fixed = 4 + 1 + 2 + clusterName.length + 2 + id.length + 8 * 4 + 1 + 2;
    int peerBytes = Arrays.stream(peers).mapToInt(p -> 2 + p.length).sum();
    if (fixed + peerBytes > MAX_DATAGRAM) {
      peers = new byte[0][];
      peerBytes = 0;
    }
    ByteBuffer b = ByteBuffer.allocate(fixed + peerBytes);
    b.putInt(MAGIC).put(VERSION);
    b.putShort((short) clusterName.length).put(clusterName);
    b.putShort((short) id.length).put(id);
    b.putLong(h.sequence()).putLong(h.sentAtNanos()).putLong(h.echoSentAtNanos()).putLong(h.echoHeldNanos());
    b.put((byte) h.health().ordinal());
    b.putShort((short) peers.length);
    for (byte[] p : peers) {
      b.putShort((short) p.length).put(p);
    }
    return b.flip();
  }

  /** Decodes one datagram, or empty if it is not a valid heartbeat of this cluster. */
  public Optional<Heartbeat> decode(ByteBuffer b) {
    try {
      if (b.getInt() != MAGIC || b.get() != VERSION) {
        return Optional.empty();
      }
      byte[] name = bytes(b, b.getShort());
      if (!Arrays.equals(name, clusterName)) {
        return Optional.empty();
      }
      NodeId from = NodeId.of(new String(bytes(b, b.getShort()), StandardCharsets.UTF_8));
      long seq = b.getLong();
      long sentAt = b.getLong();
      long echoSentAt = b.getLong();
      long echoHeld = b.getLong();
      int health = b.get();
      if (health < 0 || health >= HealthLevel.values().length) {
        return Optional.empty();
      }
      int count = b.getShort();
      if (count < 0) {
        return Optional.empty();
      }
      Set<NodeId> reachable = new LinkedHashSet<>();
      for (int i = 0; i < count; i++) {
        reachable.add(NodeId.of(new String(bytes(b, b.getShort()), StandardCharsets.UTF_8)));
      }
      if (b.hasRemaining()) {
        return Optional.empty();
      }
      return Optional.of(new Heartbeat(from, seq, sentAt, echoSentAt, echoHeld,
          HealthLevel.values()[health], reachable));
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static byte[] bytes(ByteBuffer b, int length) {
    if (length < 0 || length > b.remaining()) {
      throw new IllegalArgumentException("bad length " + length);
    }
    byte[] out = new byte[length];
    b.get(out);
    return out;
  }
}
