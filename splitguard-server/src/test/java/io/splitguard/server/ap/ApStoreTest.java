package io.splitguard.server.ap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitguard.core.ap.clock.ClockSkewException;
import io.splitguard.core.ap.clock.Hlc;
import io.splitguard.core.ap.clock.HlcSettings;
import io.splitguard.core.ap.crdt.LwwRegister;
import io.splitguard.core.ap.crdt.ManualRegister;
import io.splitguard.core.ap.crdt.Mergeable;
import io.splitguard.core.ap.crdt.MvRegister;
import io.splitguard.core.ap.crdt.OrSet;
import io.splitguard.core.ap.crdt.PnCounter;
import io.splitguard.core.ap.crdt.Superseded;
import io.splitguard.core.ap.crdt.SupersedeReason;
import io.splitguard.core.ap.merkle.MerkleTree;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.wal.WalSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApStoreTest {
  private static final NodeId N1 = NodeId.of("n1");
  private static final NodeId N2 = NodeId.of("n2");
  private final AtomicLong wall = new AtomicLong(1_700_000_000_000L);
  private final List<String> audit = Collections.synchronizedList(new ArrayList<>());

  @TempDir Path dir;

  private ApStore open(NodeId node, Path d) throws IOException {
    return ApStore.open(node, d, HlcSettings.of(node), wall::get,
        (ks, s) -> audit.add(ks + "/" + s.key() + "=" + s.value() + ":" + s.reason()));
  }

  private ApStore open(NodeId node, Path d, ApStoreSettings settings, long segmentBytes) throws IOException {
    return ApStore.open(node, new WalSettings(d, segmentBytes, WalSettings.DEFAULT_RECORD_BYTES), HlcSettings.of(node),
        wall::get, (ks, s) -> audit.add(ks + "/" + s.key() + "=" + s.value() + ":" + s.reason()), settings);
  }

  @Test
  void lwwDeleteIsATombstoneThatConvergesAndKeepsTheHistory() throws Exception {
    Path d1 = dir.resolve("a");
    try (ApStore a = open(N1, d1); ApStore b = open(N2, dir.resolve("b"))) {
      LwwRegister early = b.writeLww("logs", "k", "from-b").join(); // not yet seen by a
      wall.addAndGet(5);
      a.writeLww("logs", "k", "v1").join();
      wall.addAndGet(5);
      ApStore.Deletion del = a.deleteLww("logs", "k").join();
      assertThat(del.removed()).extracting(Superseded::value, Superseded::reason)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("v1", SupersedeReason.DELETED));
      assertThat(a.get("logs", "k")).isEmpty();
      assertThat(a.state("logs", "k")).get().matches(ApStore::isDeleted);
      assertThat(a.keyCounts()).doesNotContainKey("logs");
      // The earlier write from the other side loses to the tombstone, and is recorded.
      a.merge(List.of(new ApStore.Entry("logs", early)), N2).join();
      assertThat(a.get("logs", "k")).isEmpty();
      assertThat(a.history("logs", "k")).extracting(Superseded::value).containsExactly("from-b", "v1");
      // The tombstone travels: the other side deletes too, and records what it lost.
      b.merge(a.entries(List.of(new ApKey("logs", "k"))), N1).join();
      assertThat(b.get("logs", "k")).isEmpty();
      assertThat(b.history("logs", "k")).extracting(Superseded::value).containsExactly("from-b", "v1");
      // A later write wins over the tombstone.
      wall.addAndGet(5);
      LwwRegister later = b.writeLww("logs", "k", "again").join();
      a.merge(List.of(new ApStore.Entry("logs", later)), N2).join();
      assertThat(((LwwRegister) a.get("logs", "k").orElseThrow()).value()).isEqualTo("again");
      a.deleteLww("logs", "k").join();
    }
    try (ApStore a = open(N1, d1)) {
      assertThat(a.get("logs", "k")).isEmpty();
      assertThat(a.state("logs", "k")).get().matches(ApStore::isDeleted);
      assertThat(a.history("logs", "k")).extracting(Superseded::value).containsExactly("from-b", "v1", "again");
    }
  }

  @Test
  void registerDeletesDropWhatWasSeenAndAConcurrentWriteSurvives() throws Exception {
    try (ApStore a = open(N1, dir.resolve("a")); ApStore b = open(N2, dir.resolve("b"))) {
      MvRegister shared = a.writeMv("presence", "k", "x").join();
      b.merge(List.of(new ApStore.Entry("presence", shared)), N1).join();
      assertThat(a.deleteMv("presence", "k")).isPresent().get().satisfies(f -> assertThat(f.join().removed()).hasSize(1));
      assertThat(a.deleteMv("presence", "k")).as("nothing left to delete").isEmpty();
      assertThat(a.deleteMv("presence", "never")).isEmpty();
      MvRegister concurrent = b.writeMv("presence", "k", "y").join();
      a.merge(List.of(new ApStore.Entry("presence", concurrent)), N2).join();
      assertThat(((MvRegister) a.get("presence", "k").orElseThrow()).siblings()).extracting(s -> s.value())
          .containsExactly("y");
      assertThat(audit).contains("presence/k=x:DELETED");
      // A manual key in conflict refuses a delete and keeps its siblings.
      a.writeManual("drift", "m", "l").join();
      ManualRegister right = b.writeManual("drift", "m", "r").join();
      a.merge(List.of(new ApStore.Entry("drift", right)), N2).join();
      assertThatThrownBy(() -> a.deleteManual("drift", "m")).isInstanceOf(ApConflictException.class);
      assertThat(((ManualRegister) a.get("drift", "m").orElseThrow()).siblings()).hasSize(2);
      // Sets: a clear removes what was seen.
      a.updateSet("presence", "s", List.of("p", "q"), List.of()).join();
      assertThat(a.clearSet("presence", "s").orElseThrow().join().elements()).isEmpty();
      assertThat(a.clearSet("presence", "s")).isEmpty();
    }
  }

  @Test
  void boundedHistoryKeepsTheNewestAndNeverReauditsAnOldLoser() throws Exception {
    ApStoreSettings three = new ApStoreSettings(3, 10_000);
    Path d1 = dir.resolve("a");
    LwwRegister oldest;
    try (ApStore a = open(N1, d1, three, WalSettings.DEFAULT_SEGMENT_BYTES);
        ApStore b = open(N2, dir.resolve("b"), three, WalSettings.DEFAULT_SEGMENT_BYTES)) {
      oldest = b.writeLww("logs", "k", "old").join();
      for (int i = 0; i < 10; i++) {
        wall.addAndGet(1);
        a.writeLww("logs", "k", "v" + i).join();
      }
      assertThat(a.history("logs", "k")).extracting(Superseded::value).containsExactly("v6", "v7", "v8");
      assertThat(audit).hasSize(9);
      // The old loser arrives: older than everything the bounded history let go of, so it is known.
      a.merge(List.of(new ApStore.Entry("logs", oldest)), N2).join();
      // The values that dropped out of the view come back in another node's history: not re-audited.
      a.merge(List.of(new ApStore.Entry("logs", a.get("logs", "k").orElseThrow(), b.history("logs", "k"))), N2).join();
      assertThat(audit).hasSize(9);
      // Histories travel bounded.
      assertThat(a.entries(List.of(new ApKey("logs", "k")))).singleElement()
          .satisfies(e -> assertThat(e.history()).hasSize(3));
    }
    audit.clear();
    for (boolean snapshot : new boolean[] {false, true}) {
      try (ApStore a = open(N1, d1, three, WalSettings.DEFAULT_SEGMENT_BYTES)) {
        // Replayed from the log, then from a snapshot: the watermark is rebuilt or restored.
        assertThat(a.history("logs", "k")).extracting(Superseded::value).containsExactly("v6", "v7", "v8");
        ApStore.MergeReport r = a.merge(List.of(new ApStore.Entry("logs", oldest)), N2).join();
        assertThat(r.changed()).isZero();
        assertThat(audit).isEmpty();
        if (!snapshot) {
          a.snapshot();
        }
      }
    }
  }

  @Test
  void snapshotsAreWrittenWhileRunningAndReopeningRestoresTheSameState() throws Exception {
    ApStoreSettings every100 = new ApStoreSettings(5, 100);
    List<ApStore.Entry> before;
    try (ApStore a = open(N1, dir, every100, 4096)) {
      for (int i = 0; i < 350; i++) {
        wall.addAndGet(1);
        a.writeLww("logs", "k" + i % 40, "v" + i).join();
        a.addToCounter("hits", "c" + i % 7, i).join();
      }
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> snapshots(dir).size() == 1
          && Long.parseLong(snapshots(dir).get(0).replaceAll("\\D", "")) > 600);
      assertThat(segments(dir)).as("segments covered by the snapshot are dropped").hasSizeLessThan(10);
      before = a.entriesInRanges(allRanges(), 1);
    }
    try (ApStore a = open(N1, dir, every100, 4096)) {
      assertThat(a.entriesInRanges(allRanges(), 1)).isEqualTo(before);
    }
  }

  @Test
  void runningSnapshotsWithDeletesAndBoundedHistories_reopenToTheSameStateHistoriesWatermarksAndDurableView()
      throws Exception {
    ApStoreSettings small = new ApStoreSettings(3, 100);
    List<ApKey> keys = new ArrayList<>();
    for (int k = 0; k < 6; k++) {
      keys.add(new ApKey("logs", "k" + k));
      keys.add(new ApKey("regs", "r" + k));
    }
    java.util.Map<ApKey, Object> before = new java.util.HashMap<>();
    try (ApStore a = open(N1, dir, small, 4096)) {
      for (int i = 0; i < 420; i++) {
        wall.addAndGet(1);
        if (i % 5 == 4) {
          a.deleteLww("logs", "k" + i % 6).join();
          a.deleteMv("regs", "r" + i % 6).ifPresent(CompletableFuture::join);
        } else {
          a.writeLww("logs", "k" + i % 6, "v" + i).join();
          a.writeMv("regs", "r" + i % 6, "v" + i).join();
        }
      }
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> snapshots(dir).size() == 1
          && Long.parseLong(snapshots(dir).get(0).replaceAll("\\D", "")) > 700);
      for (ApKey k : keys) {
        // Every record is acknowledged: the durable view is the state, history and watermark.
        assertThat(a.durableHistoryState(k)).as("%s", k).isEqualTo(a.historyState(k));
        assertThat(a.historyState(k).watermark()).as("%s", k).isPresent();
        before.put(k, List.of(a.state(k.keyspace(), k.key()), a.historyState(k), a.entries(List.of(k))));
      }
    }
    try (ApStore a = open(N1, dir, small, 4096)) {
      for (ApKey k : keys) {
        assertThat(List.of(a.state(k.keyspace(), k.key()), a.historyState(k), a.entries(List.of(k))))
            .as("%s after reopening from the snapshot and the log", k).isEqualTo(before.get(k));
        assertThat(a.durableHistoryState(k)).isEqualTo(a.historyState(k));
      }
    }
  }

  @Test
  void writesAfterTheCutStayInTheLogAndConcurrentWritersLoseNothing() throws Exception {
    try (ApStore a = open(N1, dir, ApStoreSettings.defaults(), 4096)) {
      for (int i = 0; i < 50; i++) {
        a.addToCounter("hits", "c", 1).join();
      }
      ApStore.SnapshotCut cut = a.cut();
      for (int i = 0; i < 50; i++) {
        a.addToCounter("hits", "c", 1).join(); // after the cut, before the snapshot is written
      }
      a.writeSnapshot(cut);
      assertThat(snapshots(dir)).containsExactly(String.format("snapshot-%020d.snap", cut.index()));
      // Writers race with snapshots: every acknowledged write survives the reopen.
      ExecutorService writers = Executors.newFixedThreadPool(4);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int writer = t;
        done.add(writers.submit(() -> {
          go.await();
          for (int i = 0; i < 100; i++) {
            a.addToCounter("hits", "w" + writer, 1).join();
            a.writeMv("regs", "w" + writer, "v" + i).join();
          }
          return null;
        }));
      }
      go.countDown();
      while (done.stream().anyMatch(f -> !f.isDone())) {
        a.snapshot();
      }
      for (Future<?> f : done) {
        f.get();
      }
      writers.shutdown();
    }
    try (ApStore a = open(N1, dir, ApStoreSettings.defaults(), 4096)) {
      assertThat(((PnCounter) a.get("hits", "c").orElseThrow()).value()).isEqualTo(100);
      for (int t = 0; t < 4; t++) {
        assertThat(((PnCounter) a.get("hits", "w" + t).orElseThrow()).value()).isEqualTo(100);
        assertThat(((MvRegister) a.get("regs", "w" + t).orElseThrow()).siblings()).singleElement()
            .satisfies(s -> assertThat(s.value()).isEqualTo("v99"));
      }
    }
  }

  private static java.util.Set<Integer> allRanges() {
    return java.util.Set.of(0);
  }

  private static List<String> snapshots(Path d) throws IOException {
    try (Stream<Path> files = Files.list(d)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".snap")).sorted().toList();
    }
  }

  private static List<String> segments(Path d) throws IOException {
    try (Stream<Path> files = Files.list(d)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".wal")).toList();
    }
  }

  @Test
  void anUnchangedStoreAnswersTheSameTreeAndEveryDurableWriteIsInTheNextOne() throws Exception {
    try (ApStore store = open(N1, dir)) {
      store.writeLww("logs", "k", "v1").join();
      MerkleTree first = store.tree(64);
      assertThat(store.tree(64)).isSameAs(first);
      assertThat(store.tree(128).rangeCount()).isEqualTo(128);

      wall.addAndGet(5);
      store.writeLww("logs", "k", "v2").join();
      MerkleTree second = store.tree(64);
      assertThat(MerkleTree.diff(first, second)).containsExactly(MerkleTree.rangeOf(new ApKey("logs", "k").treeKey(), 64));
      assertThat(store.tree(64)).isSameAs(second);
    }
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
