package io.splitguard.server.detector;

import io.splitguard.core.cluster.ClusterMember;
import io.splitguard.core.cluster.HostPort;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.detector.Heartbeat;
import io.splitguard.core.detector.HeartbeatCodec;
import io.splitguard.core.health.HealthLevel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * writer). A heartbeat ({@link HeartbeatCodec}) carries the sender's id, sequence and send
 * time, an echo of the recipient's last heartbeat (so the recipient measures the round trip on
 * its own clock), the sender's health and the peers it reaches (so every node can see indirect
 * connectivity); anything else arriving on the port is dropped.
 */
public final class HeartbeatChannel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HeartbeatChannel.class);

  /** What a node tells its peers about itself in every heartbeat. */
  public interface LocalView {
    /** This node's health. */
    HealthLevel health();

    /** The peers this node's detector reaches now. */
    Set<NodeId> reachable();
  }

  /** The last heartbeat received from a peer: its send time and our receive time, for the echo. */
  private record Received(long peerSentAtNanos, long receivedAtNanos) {}

  private final NodeId self;
  private final HeartbeatCodec codec;
  private volatile List<ClusterMember> peers;
  private final DatagramChannel channel;
  private final ScheduledExecutorService sender;
  private final Thread receiver;
  private final LocalView localView;
  private final BiConsumer<Heartbeat, Long> onHeartbeat;
  private final Map<NodeId, Received> lastReceived = new ConcurrentHashMap<>();
  private long sequence;

  private HeartbeatChannel(
      NodeId self, String clusterName, List<ClusterMember> peers, DatagramChannel channel,
      LocalView localView, BiConsumer<Heartbeat, Long> onHeartbeat) {
    this.self = self;
    this.codec = new HeartbeatCodec(clusterName);
    this.peers = List.copyOf(peers);
    this.channel = channel;
    this.localView = localView;
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
   * valid heartbeat received to {@code onHeartbeat(heartbeat, receivedAtNanos)}.
   */
  public static HeartbeatChannel start(
      NodeId self, String clusterName, HostPort bind, List<ClusterMember> peers, Duration interval,
      LocalView localView, BiConsumer<Heartbeat, Long> onHeartbeat) throws IOException {
    DatagramChannel channel = DatagramChannel.open(StandardProtocolFamily.INET);
    try {
      channel.bind(new InetSocketAddress(bind.host(), bind.port()));
    } catch (IOException e) {
      channel.close();
      throw new IOException("cannot bind heartbeat UDP port " + bind + ": " + e.getMessage(), e);
    }
    HeartbeatChannel hb = new HeartbeatChannel(self, clusterName, peers, channel, localView, onHeartbeat);
    hb.receiver.start();
    hb.sender.scheduleAtFixedRate(hb::sendAll, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    return hb;
  }

  /** From the next round on, sends to {@code members} (this node is skipped if listed). */
  public void setPeers(List<ClusterMember> members) {
    this.peers = members.stream().filter(m -> !m.id().equals(self)).toList();
  }

  private void sendAll() {
    long seq = ++sequence;
    HealthLevel health;
    Set<NodeId> reachable;
    try {
      health = localView.health();
      reachable = localView.reachable();
    } catch (RuntimeException e) {
      health = HealthLevel.UNHEALTHY;
      reachable = Set.of();
    }
    for (ClusterMember peer : peers) {
      long now = System.nanoTime();
      Received echo = lastReceived.get(peer.id());
      Heartbeat beat = new Heartbeat(self, seq, now,
          echo == null ? -1 : echo.peerSentAtNanos(), echo == null ? 0 : now - echo.receivedAtNanos(),
          health, reachable);
      try {
        channel.send(codec.encode(beat), new InetSocketAddress(peer.api().host(), peer.api().port()));
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException | RuntimeException e) {
        // Unreachable networks and full buffers are exactly what the detector must observe as
        // silence; nothing to do here but keep sending.
        LOG.debug("event=heartbeat_send_failed node={} peer={} error={}", self, peer.id(), e.toString());
      }
    }
  }

  private void receiveLoop() {
    ByteBuffer buffer = ByteBuffer.allocate(HeartbeatCodec.MAX_DATAGRAM + 1);
    while (channel.isOpen()) {
      try {
        buffer.clear();
        channel.receive(buffer);
        long now = System.nanoTime();
        buffer.flip();
        Optional<Heartbeat> beat = codec.decode(buffer);
        if (beat.isPresent() && !beat.get().from().equals(self)) {
          lastReceived.put(beat.get().from(), new Received(beat.get().sentAtNanos(), now));
          onHeartbeat.accept(beat.get(), now);
        }
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException | RuntimeException e) {
        LOG.debug("event=heartbeat_receive_failed node={} error={}", self, e.toString());
      }
    }
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
