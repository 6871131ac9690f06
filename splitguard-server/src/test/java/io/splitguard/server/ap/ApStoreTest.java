package io.splitguard.server.ap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitguard.core.ap.clock.ClockSkewException;
import io.splitguard.core.ap.clock.Hlc;
import io.splitguard.core.ap.clock.HlcSettings;
import io.splitguard.core.ap.crdt.LwwRegister;
import io.splitguard.core.ap.crdt.ManualRegister;
import io.splitguard.core.ap.crdt.OrSet;
import io.splitguard.core.ap.crdt.PnCounter;
import io.splitguard.core.ap.crdt.Superseded;
import io.splitguard.core.ap.crdt.SupersedeReason;
import io.splitguard.core.cluster.NodeId;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApStoreTest {
  private static final NodeId N1 = NodeId.of("n1");
  private static final NodeId N2 = NodeId.of("n2");
  private final AtomicLong wall = new AtomicLong(1_700_000_000_000L);
  private final List<String> audit = new ArrayList<>();

  @TempDir Path dir;

  private ApStore open(NodeId node, Path d) throws IOException {
    return ApStore.open(node, d, HlcSettings.of(node), wall::get,
        (ks, s) -> audit.add(ks + "/" + s.key() + "=" + s.value() + ":" + s.reason()));
  }

  @Test
  void everyAcknowledgedWriteIsRecoveredAfterReopen() throws Exception {
    try (ApStore store = open(N1, dir)) {
      store.addToCounter("hits", "c", 5).join();
      store.addToCounter("hits", "c", -2).join();
      store.updateSet("hits", "s", List.of("a", "b"), List.of()).join();
      store.updateSet("hits", "s", List.of(), List.of("a")).join();
      store.writeLww("logs", "k", "v1").join();
      wall.addAndGet(10);
      store.writeLww("logs", "k", "v2").join();
    }
    try (ApStore store = open(N1, dir)) {
      assertThat(((PnCounter) store.get("hits", "c").orElseThrow()).value()).isEqualTo(3);
      assertThat(((OrSet) store.get("hits", "s").orElseThrow()).elements()).containsExactly("b");
      LwwRegister k = (LwwRegister) store.get("logs", "k").orElseThrow();
      assertThat(k.value()).isEqualTo("v2");
      assertThat(store.history("logs", "k")).extracting(Superseded::value).containsExactly("v1");
      assertThat(store.keyCounts()).containsEntry("hits", 2).containsEntry("logs", 1);
      // The clock resumes after the highest stamp in the log: a write at an older wall time still wins.
      wall.addAndGet(-5);
      store.writeLww("logs", "k", "v3").join();
      assertThat(((LwwRegister) store.get("logs", "k").orElseThrow()).stamp().isAfter(k.stamp())).isTrue();
    }
  }

  @Test
  void aSnapshotCoversTheLogAndReopeningFromItLosesNothing() throws Exception {
    try (ApStore store = open(N1, dir)) {
      store.addToCounter("hits", "c", 5).join();
      store.writeLww("logs", "k", "v1").join();
      wall.addAndGet(10);
      store.writeLww("logs", "k", "v2").join();
      store.snapshot();
      store.addToCounter("hits", "c", 1).join(); // after the snapshot: replayed from the log
    }
    audit.clear();
    try (ApStore store = open(N1, dir)) {
      assertThat(((PnCounter) store.get("hits", "c").orElseThrow()).value()).isEqualTo(6);
      assertThat(((LwwRegister) store.get("logs", "k").orElseThrow()).value()).isEqualTo("v2");
      assertThat(store.history("logs", "k")).extracting(Superseded::value).containsExactly("v1");
      wall.addAndGet(-5);
      assertThat(store.writeLww("logs", "k", "v3").join().value()).isEqualTo("v3");
      assertThat(audit).containsExactly("logs/k=v2:OVERWRITTEN");
    }
  }

  @Test
  void aSupersededValueIsAuditedOnceEvenWhenMergedAgainAndAfterRestart() throws Exception {
    Path d1 = dir.resolve("a");
    Path d2 = dir.resolve("b");
    LwwRegister loser;
    try (ApStore a = open(N1, d1); ApStore b = open(N2, d2)) {
      loser = a.writeLww("logs", "k", "from-a").join();
      wall.addAndGet(5);
      LwwRegister winner = b.writeLww("logs", "k", "from-b").join();
      a.merge(List.of(new ApStore.Entry("logs", winner)), N2).join();
      assertThat(((LwwRegister) a.get("logs", "k").orElseThrow()).value()).isEqualTo("from-b");
      // Anti-entropy repeats itself: the loser comes back again, and again.
      b.merge(List.of(new ApStore.Entry("logs", loser)), N1).join();
      b.merge(List.of(new ApStore.Entry("logs", loser)), N1).join();
      assertThat(audit).containsExactly("logs/k=from-a:LWW_OLDER", "logs/k=from-a:LWW_OLDER");
      assertThat(a.history("logs", "k")).singleElement().satisfies(s -> assertThat(s.reason()).isEqualTo(SupersedeReason.LWW_OLDER));
    }
    audit.clear();
    try (ApStore b = open(N2, d2)) {
      ApStore.MergeReport r = b.merge(List.of(new ApStore.Entry("logs", loser)), N1).join();
      assertThat(r.changed()).isZero();
      assertThat(audit).isEmpty();
      assertThat(b.history("logs", "k")).hasSize(1);
    }
  }

  @Test
  void manualConflictsRefuseWritesUntilResolvedAndTheSiblingsAreAudited() throws Exception {
    try (ApStore a = open(N1, dir.resolve("a")); ApStore b = open(N2, dir.resolve("b"))) {
      ManualRegister fromA = a.writeManual("drift", "k", "x").join();
      ManualRegister fromB = b.writeManual("drift", "k", "y").join();
      a.merge(List.of(new ApStore.Entry("drift", fromB)), N2).join();
      assertThat(a.openConflicts()).isEqualTo(1);
      assertThatThrownBy(() -> a.writeManual("drift", "k", "z")).isInstanceOf(ApConflictException.class);
      ManualRegister resolved = a.resolve("drift", "k", "z").join();
      assertThat(resolved.inConflict()).isFalse();
      assertThat(a.openConflicts()).isZero();
      assertThat(a.history("drift", "k")).extracting(Superseded::value).containsExactlyInAnyOrder("x", "y");
      assertThat(fromA.siblings()).hasSize(1);
    }
  }

  @Test
  void wrongTypesAndBadClocksChangeNothing() throws Exception {
    try (ApStore a = open(N1, dir)) {
      a.addToCounter("ks", "c", 1).join();
      assertThatThrownBy(() -> a.updateSet("ks", "c", List.of("x"), List.of()))
          .isInstanceOf(ApTypeException.class).hasMessageContaining("holds a counter");
      // A received stamp far ahead of the local wall clock is not applied.
      LwwRegister future = new LwwRegister("k", "v", new Hlc(wall.get() + 60_000, 0, N2));
      ApStore.MergeReport r = a.merge(List.of(new ApStore.Entry("ks", future)), N2).join();
      assertThat(r.refusedClock()).isEqualTo(1);
      assertThat(a.get("ks", "k")).isEmpty();
      // A local wall clock far behind what the node has seen refuses to stamp.
      a.writeLww("ks", "l", "1").join();
      wall.addAndGet(-10_000);
      assertThatThrownBy(() -> a.writeLww("ks", "l", "2")).isInstanceOf(ClockSkewException.class)
          .hasMessageContaining("behind");
      assertThat(((LwwRegister) a.get("ks", "l").orElseThrow()).value()).isEqualTo("1");
      assertThat(a.get("ks", "nothing")).isEqualTo(Optional.empty());
    }
  }
}
