package io.splitguard.core.detector;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.health.HealthLevel;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The heartbeat datagram: round trip, and everything else refused. */
class HeartbeatCodecTest {
  private final HeartbeatCodec codec = new HeartbeatCodec("prod");
  private final Heartbeat beat = new Heartbeat(NodeId.of("n1"), 42, 1_000_000, 900_000, 5_000,
      HealthLevel.DEGRADED, Set.of(NodeId.of("n2"), NodeId.of("n3")));

  @Test
  void roundTrips() {
    assertThat(codec.decode(codec.encode(beat))).contains(beat);
  }

  @Test
  void anotherClustersHeartbeatIsIgnored() {
    assertThat(new HeartbeatCodec("staging").decode(codec.encode(beat))).isEmpty();
  }

  @Test
  void everyTruncationAndAnyTrailingByteIsRefused() {
    ByteBuffer full = codec.encode(beat);
    for (int len = 0; len < full.remaining(); len++) {
      ByteBuffer cut = full.duplicate();
      cut.limit(len);
      assertThat(codec.decode(cut)).as("length " + len).isEmpty();
    }
    ByteBuffer longer = ByteBuffer.allocate(full.remaining() + 1).put(full.duplicate()).put((byte) 0).flip();
    assertThat(codec.decode(longer)).isEmpty();
  }

  @Test
  void aViewTooLargeForOneDatagramIsLeftOut() {
    Set<NodeId> many = new HashSet<>();
    for (int i = 0; i < 400; i++) {
      many.add(NodeId.of("node-" + i));
    }
    Heartbeat big = new Heartbeat(NodeId.of("n1"), 1, 1, -1, 0, HealthLevel.HEALTHY, many);
    ByteBuffer encoded = codec.encode(big);
    assertThat(encoded.remaining()).isLessThanOrEqualTo(HeartbeatCodec.MAX_DATAGRAM);
    assertThat(codec.decode(encoded)).hasValueSatisfying(h -> assertThat(h.reachable()).isEmpty());
  }

  @Test
  void theEchoMeasuresTheRoundTripInTheRecipientsClock() {
    assertThat(beat.roundTripNanos(1_000_000)).isEqualTo(95_000);
    assertThat(new Heartbeat(NodeId.of("n1"), 1, 1, -1, 0, HealthLevel.HEALTHY, Set.of()).roundTripNanos(5)).isEqualTo(-1);
  }
}
