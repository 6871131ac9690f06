package io.splitguard.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitguard.core.cluster.HostPort;
import io.splitguard.core.config.NodeSettings;
import io.splitguard.core.fencing.FencingSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.junit.jupiter.api.Test;

/** The Ratis settings that safety depends on, as derived from validated node settings. */
class RatisPropertiesTest {
  private static final HostPort ADDRESS = new HostPort("127.0.0.1", 7000);

  @Test
  void readsAreLinearizableAndServedFromALeaseAsLongAsTheFencingLease() {
    RaftProperties p = RatisProperties.server(NodeSettings.defaults().validate(), ADDRESS, Path.of("unused"));

    assertThat(RaftServerConfigKeys.Read.option(p)).isEqualTo(RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    assertThat(RaftServerConfigKeys.Read.leaderLeaseEnabled(p)).isTrue();
    long readLeaseMs = Math.round(RaftServerConfigKeys.Rpc.timeoutMin(p).toLong(TimeUnit.MILLISECONDS)
        * RaftServerConfigKeys.Read.leaderLeaseTimeoutRatio(p));
    assertThat(readLeaseMs).isEqualTo(FencingSettings.defaults().lease().toMillis());
    assertThat(RaftServerConfigKeys.LeaderElection.preVote(p))
        .as("the read lease relies on followers refusing pre-votes while they hear from a leader")
        .isTrue();
  }

  @Test
  void theReadLeaseEndsBeforeAnyOtherLeaderCanBeElectedForEveryAcceptedTiming() {
    // Every combination NodeSettings accepts must leave the read lease, plus the clock drift the
    // operator declared, inside the shortest election timeout.
    int accepted = 0;
    for (int min = 300; min <= 5000; min += 100) {
      for (int lease = min / 2; lease < min; lease += 25) {
        for (int drift : new int[] {0, 10, 50, 200}) {
          NodeSettings s = settings(min, lease, drift);
          if (!accepted(s)) {
            continue;
          }
          accepted++;
          double leaseMs = min * RatisProperties.readLeaseRatio(s);
          assertThat(leaseMs + drift).as("min %d lease %d drift %d", min, lease, drift).isLessThan(min);
        }
      }
    }
    assertThat(accepted).as("timings accepted by validation").isGreaterThan(100);
  }

  @Test
  void aLeaseAsLongAsTheElectionTimeoutIsRefused() {
    NodeSettings unsafe = settings(1000, 1000, 0);
    assertThatThrownBy(() -> RatisProperties.readLeaseRatio(unsafe))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fencing.lease");
  }

  private static NodeSettings settings(int electionMinMs, int leaseMs, int driftMs) {
    NodeSettings d = NodeSettings.defaults();
    return new NodeSettings(Duration.ofMillis(Math.max(1, electionMinMs / 10)), Duration.ofMillis(electionMinMs),
        Duration.ofMillis(electionMinMs * 2L), d.phiThreshold(), Duration.ofMillis(Math.max(1, electionMinMs / 10)),
        Duration.ofMillis(electionMinMs / 2), Duration.ofMillis(electionMinMs * 5L), d.maxKeyBytes(),
        d.maxValueBytes(), d.snapshotThresholdEntries(),
        new FencingSettings(Duration.ofMillis(leaseMs), Duration.ofMillis(driftMs), Duration.ofMillis(10),
            Duration.ofMillis(Math.min(leaseMs, 300)), Optional.empty(), List.of()));
  }

  private static boolean accepted(NodeSettings s) {
    try {
      s.validate();
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }
}
