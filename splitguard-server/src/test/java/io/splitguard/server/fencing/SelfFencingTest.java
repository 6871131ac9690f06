package io.splitguard.server.fencing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.fencing.FenceReason;
import io.splitguard.core.fencing.FencingSettings;
import io.splitguard.core.registry.LeadershipView;
import io.splitguard.server.audit.AuditLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The self-fencing driver with its real actuators (fence file, fence command through {@code
 * /bin/sh}, listeners, audit log) over a scripted Raft view: the wiring between the pure policy
 * and the outside world.
 */
class SelfFencingTest {
  private static final NodeId N1 = NodeId.of("n1");
  @TempDir Path dir;
  private final AtomicReference<LeadershipView> raft =
      new AtomicReference<>(new LeadershipView(true, 4, true, 10, 0));
  private final AtomicBoolean quorum = new AtomicBoolean(true);
  private final List<String> events = new CopyOnWriteArrayList<>();
  private final List<Long> stepDowns = new CopyOnWriteArrayList<>();
  private SelfFencing fencing;
  private AuditLog audit;

  @AfterEach
  void stop() throws Exception {
    if (fencing != null) {
      fencing.close();
    }
    audit.close();
  }

  private void start() throws Exception {
    audit = AuditLog.open(N1, dir.resolve("audit.log"), System::currentTimeMillis);
    FencingSettings settings = FencingSettings.defaults().withFile(dir.resolve("primary"))
        .withCommand(List.of("/bin/sh", "-c",
            "echo \"$SPLITGUARD_NODE_ID $SPLITGUARD_FENCE_REASON $SPLITGUARD_TERM\" > " + dir.resolve("fenced-by")));
    fencing = SelfFencing.start(N1, settings, Duration.ofMillis(1000),
        new LeadershipSource() {
          @Override
          public LeadershipView leadership() {
            return raft.get();
          }

          @Override
          public CompletableFuture<Void> stepDown(long term) {
            stepDowns.add(term);
            return CompletableFuture.completedFuture(null);
          }
        }, quorum::get, audit, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    fencing.addListener(new FencingListener() {
      @Override
      public void onFenced(FenceReason reason, long term, boolean wasLeader) {
        events.add("fenced " + reason + " " + term + " " + wasLeader);
      }

      @Override
      public void onUnfenced() {
        events.add("unfenced");
      }
    });
  }

  @Test
  void aLeaderLosingItsMajorityFiresEveryActuatorAndComesBackOnlyWithEvidence() throws Exception {
    Files.writeString(dir.resolve("primary"), "left over by a crash");
    start();
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(dir.resolve("primary"))
        && Files.readString(dir.resolve("primary")).equals("node=n1\nterm=4\n"));
    assertThat(fencing.status().primary()).isTrue();
    assertThat(fencing.refusal()).isEmpty();

    raft.set(new LeadershipView(true, 4, true, 900, 0)); // no majority answer for 900 ms > lease
    await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("fenced LEADER_LEASE_EXPIRED 4 true"));
    assertThat(fencing.refusal()).contains(FenceReason.LEADER_LEASE_EXPIRED);
    assertThat(fencing.status().fenced()).isTrue();
    assertThat(dir.resolve("primary")).doesNotExist();
    assertThat(stepDowns).containsExactly(4L);
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(dir.resolve("fenced-by")));
    assertThat(dir.resolve("fenced-by")).content().isEqualTo("n1 LEADER_LEASE_EXPIRED 4\n");

    raft.set(LeadershipView.leaderless(4)); // stepped down, hears nobody: stays fenced
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5))
        .until(() -> fencing.refusal().isPresent());
    raft.set(LeadershipView.follower(5, 100)); // a new leader is heard from
    await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("unfenced"));
    assertThat(fencing.refusal()).isEmpty();
    assertThat(dir.resolve("primary")).doesNotExist();

    String auditLog = Files.readString(dir.resolve("audit.log"));
    assertThat(auditLog).contains("\"event\":\"stale_fence_file_removed\"").contains("\"event\":\"fence_file_created\"")
        .contains("\"event\":\"node_fenced\"").contains("\"event\":\"fence_command\"")
        .contains("\"outcome\":\"SUCCEEDED\"").contains("\"event\":\"node_unfenced\"");
    assertThat(AuditLog.verify(dir.resolve("audit.log")).intact()).isTrue();
  }

  @Test
  void closingRemovesTheFenceFile() throws Exception {
    start();
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(dir.resolve("primary")));
    fencing.close();
    assertThat(dir.resolve("primary")).doesNotExist();
    fencing = null;
  }
}
