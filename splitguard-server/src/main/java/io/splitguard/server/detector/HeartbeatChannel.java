package io.splitguard.server.detector;

import io.splitguard.core.cluster.ClusterMember;
import io.splitguard.core.cluster.HostPort;
import io.splitguard.core.cluster.NodeId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failure-detector heartbeats between all nodes, as UDP datagrams on the API host and port number
 * (UDP and TCP port spaces are separate, so no extra address is configured).
 *
 * <p>Why UDP: a heartbeat is a tiny, loss-tolerant, periodic message; the detector wants to see
 * loss and delay as they are, not hidden by TCP retransmission and head-of-line blocking, and a
 * datagram to a paused or partitioned peer costs nothing (no connection state, no blocked
 * writer). A heartbeat carries magic, format version, cluster name, sender id and a sequence
 * number; anything else arriving on the port is dropped.
 */
public final class HeartbeatChannel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HeartbeatChannel.class);
  private static final int MAGIC = 0x53474842; // "SGHB"
  private static final byte VERSION = 1;
  private static final int MAX_DATAGRAM = 512;

  private final NodeId self;
  private final byte[] clusterName;
  private final List<ClusterMember> peers;
  private final DatagramChannel channel;
  private final ScheduledExecutorService sender;
  private final Thread receiver;
  private final BiConsumer<NodeId, Long> onHeartbeat;
  private long sequence;

  private HeartbeatChannel(
      NodeId self, String clusterName, List<ClusterMember> peers, DatagramChannel channel,
      BiConsumer<NodeId, Long> onHeartbeat) {
    this.self = self;
    this.clusterName = clusterName.getBytes(StandardCharsets.UTF_8);
    this.peers = List.copyOf(peers);
    this.channel = channel;
    this.onHeartbeat = onHeartbeat;
    this.sender = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "heartbeat-sender-" + self);
      t.setDaemon(true);
      return t;
    });
    this.receiver = new Thread(this::receiveLoop, "heartbeat-receiver-" + self);
    this.receiver.setDaemon(true);
  }

  /**
   * Binds {@code bind}, starts sending to {@code peers} every {@code interval} and delivers each
   * valid heartbeat received to {@code onHeartbeat(sender, sequence)}.
   */
  public static HeartbeatChannel start(
      NodeId self, String clusterName, HostPort bind, List<ClusterMember> peers, Duration interval,
      BiConsumer<NodeId, Long> onHeartbeat) throws IOException {
    DatagramChannel channel = DatagramChannel.open(StandardProtocolFamily.INET);
    try {
      channel.bind(new InetSocketAddress(bind.host(), bind.port()));
    } catch (IOException e) {
      channel.close();
      throw new IOException("cannot bind heartbeat UDP port " + bind + ": " + e.getMessage(), e);
    }
    HeartbeatChannel hb = new HeartbeatChannel(self, clusterName, peers, channel, onHeartbeat);
    hb.receiver.start();
    hb.sender.scheduleAtFixedRate(hb::sendAll, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    return hb;
  }

  private void sendAll() {
    long seq = ++sequence;
    ByteBuffer message = encode(seq);
    for (ClusterMember peer : peers) {
      try {
        channel.send(message.duplicate(), new InetSocketAddress(peer.api().host(), peer.api().port()));
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException | RuntimeException e) {
        // Unreachable networks and full buffers are exactly what the detector must observe as
        // silence; nothing to do here but keep sending.
        LOG.debug("event=heartbeat_send_failed node={} peer={} error={}", self, peer.id(), e.toString());
      }
    }
  }

  private ByteBuffer encode(long seq) {
    byte[] id = self.value().getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(4 + 1 + 2 + clusterName.length + 2 + id.length + 8);
    b.putInt(MAGIC).put(VERSION);
    b.putShort((short) clusterName.length).put(clusterName);
    b.putShort((short) id.length).put(id);
    b.putLong(seq);
    return b.flip();
  }

  private void receiveLoop() {
    ByteBuffer buffer = ByteBuffer.allocate(MAX_DATAGRAM);
    while (channel.isOpen()) {
      try {
        buffer.clear();
        channel.receive(buffer);
        buffer.flip();
        decode(buffer);
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException | RuntimeException e) {
        LOG.debug("event=heartbeat_receive_failed node={} error={}", self, e.toString());
      }
    }
  }

  private void decode(ByteBuffer b) {
    if (b.remaining() < 7 || b.getInt() != MAGIC || b.get() != VERSION) {
      return;
    }
    int nameLength = b.getShort();
    if (nameLength != clusterName.length || b.remaining() < nameLength + 2) {
      return;
    }
    byte[] name = new byte[nameLength];
    b.get(name);
    if (!java.util.Arrays.equals(name, clusterName)) {
      return; // another cluster's node on a reused port must not count towards our quorum
    }
    int idLength = b.getShort();
    if (idLength <= 0 || b.remaining() != idLength + 8) {
      return;
    }
    byte[] id = new byte[idLength];
    b.get(id);
    long seq = b.getLong();
    NodeId from;
    try {
      from = NodeId.of(new String(id, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      return;
    }
    onHeartbeat.accept(from, seq);
  }

  @Override
  public void close() {
    sender.shutdownNow();
    try {
      channel.close();
    } catch (IOException e) {
      LOG.debug("event=heartbeat_close_failed node={} error={}", self, e.toString());
    }
    try {
      sender.awaitTermination(1, TimeUnit.SECONDS);
      receiver.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
