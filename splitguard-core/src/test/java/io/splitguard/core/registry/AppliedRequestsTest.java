package io.splitguard.core.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitguard.core.kv.KvCommand;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A request that reached the log twice is applied once, on every replica alike. */
class AppliedRequestsTest {
  private static AppliedRequests.RequestId id(String client, long call) {
    return new AppliedRequests.RequestId(client.getBytes(StandardCharsets.UTF_8), call);
  }

  @Test
  void aRequestIdIsAppliedOnlyTheFirstTime() {
    AppliedRequests applied = new AppliedRequests();
    assertThat(applied.firstApplication(id("c1", 7))).isTrue();
    assertThat(applied.firstApplication(id("c1", 7))).isFalse();
    assertThat(applied.firstApplication(id("c1", 8))).isTrue();
    assertThat(applied.firstApplication(id("c2", 7))).isTrue();
  }

  @Test
  void theOldestIdsAreForgottenFirstAtCapacity() {
    AppliedRequests applied = new AppliedRequests(3);
    for (long call = 1; call <= 4; call++) {
      assertThat(applied.firstApplication(id("c", call))).isTrue();
    }
    assertThat(applied.idsOldestFirst()).containsExactly(id("c", 2), id("c", 3), id("c", 4));
    assertThat(applied.firstApplication(id("c", 4))).isFalse();
    assertThat(applied.firstApplication(id("c", 1))).isTrue(); // forgotten: beyond the bound
  }

  @Test
  void replicasThatApplyTheSameLogDecideTheSameEvenAcrossASnapshot() throws IOException {
    // One log with duplicates (a retried request appended twice); replica A applies it straight
    // through, replica B restores from a snapshot taken midway and applies the rest.
    long seed = new SplittableRandom().nextLong();
    SplittableRandom random = new SplittableRandom(seed);
    List<AppliedRequests.RequestId> log = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      log.add(random.nextInt(5) == 0 && !log.isEmpty()
          ? log.get(Math.max(0, log.size() - 1 - random.nextInt(20)))
          : id("client-" + random.nextInt(3), i));
    }
    RegistryState a = new RegistryState();
    RegistryState b = new RegistryState();
    List<Boolean> decisionsA = new ArrayList<>();
    List<Boolean> decisionsB = new ArrayList<>();
    int cut = 150 + random.nextInt(100);
    for (int i = 0; i < log.size(); i++) {
      if (i == cut) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RegistryCodec.writeSnapshot(b, out);
        b = RegistryCodec.readSnapshot(new ByteArrayInputStream(out.toByteArray()));
      }
      boolean applyA = a.appliedRequests().firstApplication(log.get(i));
      boolean applyB = b.appliedRequests().firstApplication(log.get(i));
      decisionsA.add(applyA);
      decisionsB.add(applyB);
      if (applyA) {
        a.apply(KvCommand.Put.of("k", "v" + i));
      }
      if (applyB) {
        b.apply(KvCommand.Put.of("k", "v" + i));
      }
    }
    assertThat(decisionsB).as("seed %d", seed).isEqualTo(decisionsA);
    assertThat(decisionsA).as("seed %d: the log had duplicates", seed).contains(false);
    assertThat(b.revision()).as("seed %d", seed).isEqualTo(a.revision());
    assertThat(b.appliedRequests().idsOldestFirst()).isEqualTo(a.appliedRequests().idsOldestFirst());
  }
}
