package io.splitguard.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file WAL on real files: round trips, reopening, repair of torn writes at every byte offset,
 * detection of corruption, group commit (fsyncs counted through the hook, never timed), concurrent
 * appenders, rollover and snapshots.
 */
class FileWalTest {
  @TempDir
  Path tmp;

  private static byte[] payload(int i) {
    return ("record-" + i + "-" + "x".repeat(i % 17)).getBytes(StandardCharsets.UTF_8);
  }

  private static List<Long> appendAll(Wal wal, int from, int to) throws Exception {
    List<CompletableFuture<Long>> futures = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      futures.add(wal.append(payload(i)));
    }
    List<Long> indexes = new ArrayList<>();
    for (CompletableFuture<Long> f : futures) {
      indexes.add(f.get(30, TimeUnit.SECONDS));
    }
    return indexes;
  }

  private static void assertRecords(Wal wal, int from, int to) throws IOException {
    List<WalRecord> records = wal.read(from, to - from + 1);
    assertThat(records).hasSize(to - from + 1);
    for (int i = from; i <= to; i++) {
      assertThat(records.get(i - from)).isEqualTo(new WalRecord(i, payload(i)));
    }
  }

  private static List<Path> segments(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".wal")).sorted().collect(Collectors.toList());
    }
  }

  /** Byte offsets of each record's frame in a segment file, by walking the length fields. */
  private static List<Integer> recordOffsets(Path segment) throws IOException {
    byte[] bytes = Files.readAllBytes(segment);
    List<Integer> offsets = new ArrayList<>();
    int pos = FileWal.SEGMENT_HEADER_BYTES;
    while (pos < bytes.length) {
      offsets.add(pos);
      pos += FileWal.RECORD_HEADER_BYTES + ByteBuffer.wrap(bytes).getInt(pos);
    }
    return offsets;
  }

  private static void truncate(Path file, long size) throws IOException {
    try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
      c.truncate(size);
    }
  }

  private static void flipBit(Path file, long offset, int bit) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    bytes[(int) offset] ^= (byte) (1 << bit);
    Files.write(file, bytes);
  }

  private static void copyDir(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Files.copy(p, to.resolve(p.getFileName()));
      }
    }
  }

  @Test
  void appendsRoundTripAndSurviveReopening() throws Exception {
    Path dir = tmp.resolve("wal");
    try (FileWal wal = FileWal.open(WalSettings.of(dir))) {
      assertThat(wal.recovery().kind()).isEqualTo(Recovery.Kind.CLEAN);
      assertThat(wal.lastIndex()).isZero();
      assertThat(wal.read(1, 10)).isEmpty();
      assertThat(appendAll(wal, 1, 100)).containsExactlyElementsOf(
          java.util.stream.LongStream.rangeClosed(1, 100).boxed().collect(Collectors.toList()));
      assertThat(wal.append(new byte[0]).get()).isEqualTo(101);
      assertThat(wal.durableIndex()).isEqualTo(101);
      assertRecords(wal, 1, 100);
      assertThat(wal.read(50, 3)).extracting(WalRecord::index).containsExactly(50L, 51L, 52L);
    }
    try (FileWal wal = FileWal.open(WalSettings.of(dir))) {
      assertThat(wal.recovery()).isEqualTo(Recovery.clean(101));
      assertThat(wal.lastIndex()).isEqualTo(101);
      assertRecords(wal, 1, 100);
      assertThat(wal.read(101, 1)).containsExactly(new WalRecord(101, new byte[0]));
      assertThat(wal.append(payload(102)).get()).isEqualTo(102);
    }
  }

  @Test
  void segmentsRollOverAtTheSizeLimitAndReadAcrossThem() throws Exception {
    Path dir = tmp.resolve("wal");
    WalSettings settings = new WalSettings(dir, 128, 1024);
    try (FileWal wal = FileWal.open(settings)) {
      appendAll(wal, 1, 30);
      // A record bigger than a segment still gets one of its own.
      assertThat(wal.append(new byte[500]).get()).isEqualTo(31);
    }
    List<Path> segs = segments(dir);
    assertThat(segs.size()).isGreaterThan(10);
    for (Path p : segs.subList(0, segs.size() - 2)) {
      assertThat(Files.size(p)).isLessThanOrEqualTo(128);
    }
    try (FileWal wal = FileWal.open(settings)) {
      assertThat(wal.recovery().kind()).isEqualTo(Recovery.Kind.CLEAN);
      assertRecords(wal, 7, 30);
      assertThat(wal.read(31, 1).get(0).payload()).hasSize(500);
      assertThatThrownBy(() -> wal.append(new byte[1025])).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void aTornLastRecordIsCutAtEveryByteOffset() throws Exception {
    Path base = tmp.resolve("base");
    try (FileWal wal = FileWal.open(WalSettings.of(base))) {
      appendAll(wal, 1, 5);
    }
    Path segment = segments(base).get(0);
    long size = Files.size(segment);
    int lastStart = recordOffsets(segment).get(4);
    for (long cut = lastStart; cut < size; cut++) {
      Path dir = tmp.resolve("cut-" + cut);
      copyDir(base, dir);
      truncate(segments(dir).get(0), cut);
      try (FileWal wal = FileWal.open(WalSettings.of(dir))) {
        Recovery r = wal.recovery();
        assertThat(wal.lastIndex()).as("cut at %d", cut).isEqualTo(4);
        if (cut == lastStart) {
          assertThat(r.kind()).as("a cut at a record boundary leaves a clean log").isEqualTo(Recovery.Kind.CLEAN);
        } else {
          assertThat(r.kind()).as("cut at %d: %s", cut, r.message()).isEqualTo(Recovery.Kind.TORN_TAIL);
          assertThat(r.offset()).isEqualTo(lastStart);
          assertThat(r.bytesCut()).isEqualTo(cut - lastStart);
          assertThat(r.preserved()).isEmpty();
          assertThat(r.message()).contains("torn tail", "record 5", "index 4");
        }
        assertThat(Files.size(segments(dir).get(0))).isEqualTo(lastStart);
        assertRecords(wal, 1, 4);
        assertThat(wal.append(payload(5)).get()).isEqualTo(5);
      }
      try (FileWal wal = FileWal.open(WalSettings.of(dir))) {
        assertThat(wal.recovery().kind()).isEqualTo(Recovery.Kind.CLEAN);
        assertRecords(wal, 1, 5);
      }
    }
  }

  @Test
  void aTornHeaderOfAFreshSegmentIsDropped() throws Exception {
    Path base = tmp.resolve("base");
    WalSettings settings = new WalSettings(base, 128, 1024);
    try (FileWal wal = FileWal.open(settings)) {
      appendAll(wal, 1, 3);
    }
    // Simulate a crash while the next segment's header was being written.
    Path fresh = base.resolve(String.format("%020d.wal", 4));
    for (int length = 0; length < FileWal.SEGMENT_HEADER_BYTES; length++) {
      Path dir = tmp.resolve("hdr-" + length);
      copyDir(base, dir);
      byte[] header = ByteBuffer.allocate(FileWal.SEGMENT_HEADER_BYTES)
          .putInt(FileWal.SEGMENT_MAGIC).put(FileWal.FORMAT_VERSION).putLong(4).array();
      Files.write(dir.resolve(fresh.getFileName()), java.util.Arrays.copyOf(header, length));
      try (FileWal wal = FileWal.open(new WalSettings(dir, 128, 1024))) {
        assertThat(wal.recovery().kind()).isEqualTo(Recovery.Kind.TORN_TAIL);
        assertThat(wal.lastIndex()).isEqualTo(3);
        assertThat(wal.append(payload(4)).get()).isEqualTo(4);
      }
    }
  }

  @Test
  void aFlippedBitInTheMiddleStopsTheLogAtTheLastGoodRecordAndSaysSo() throws Exception {
    for (String where : List.of("payload", "length", "crc", "index")) {
      Path dir = tmp.resolve("flip-" + where);
      try (FileWal wal = FileWal.open(WalSettings.of(dir))) {
        appendAll(wal, 1, 10);
      }
      Path segment = segments(dir).get(0);
      long sizeBefore = Files.size(segment);
      int fifth = recordOffsets(segment).get(4);
      int delta = where.equals("length") ? 2 : where.equals("crc") ? 5 : where.equals("index") ? 15 : 20;
      flipBit(segment, fifth + delta, 3);
      try (FileWal wal = FileWal.open(WalSettings.of(dir))) {
        Recovery r = wal.recovery();
        assertThat(r.kind()).as(where).isEqualTo(Recovery.Kind.CORRUPTION);
        assertThat(r.lastIndex()).isEqualTo(4);
        assertThat(r.offset()).isEqualTo(fifth);
        assertThat(r.bytesCut()).isEqualTo(sizeBefore - fifth);
        assertThat(r.message()).contains("CORRUPTION", "record 5", "index 4", "moved aside");
        // The cut bytes are kept for inspection, not deleted.
        assertThat(r.preserved()).singleElement().satisfies(p -> assertThat(Files.size(p)).isEqualTo(sizeBefore - fifth));
        assertThat(wal.lastIndex()).isEqualTo(4);
        assertRecords(wal, 1, 4);
        assertThat(wal.append(payload(5)).get()).isEqualTo(5);
      }
    }
  }

  @Test
  void corruptionInAnEarlierSegmentMovesTheLaterSegmentsAside() throws Exception {
    Path dir = tmp.resolve("wal");
    WalSettings settings = new WalSettings(dir, 128, 1024);
    try (FileWal wal = FileWal.open(settings)) {
      appendAll(wal, 1, 12);
    }
    List<Path> before = segments(dir);
    Path second = before.get(1);
    int firstRecord = recordOffsets(second).get(0);
    flipBit(second, firstRecord + 20, 0);
    try (FileWal wal = FileWal.open(settings)) {
      Recovery r = wal.recovery();
      assertThat(r.kind()).isEqualTo(Recovery.Kind.CORRUPTION);
      assertThat(r.segment()).isEqualTo(second.getFileName().toString());
      assertThat(r.preserved()).hasSize(before.size() - 1);
      assertThat(segments(dir)).hasSize(2);
      long lastGood = r.lastIndex();
      assertRecords(wal, 1, (int) lastGood);
      assertThat(wal.append(payload(99)).get()).isEqualTo(lastGood + 1);
    }
  }

  @Test
  void aFlippedBitInTheVeryLastRecordCannotBeToldFromATornWrite() throws Exception {
    // Documented limit: with nothing intact after it, a corrupt last record looks exactly like a
    // write the crash interrupted, and is cut as a torn tail.
    Path dir = tmp.resolve("wal");
    try (FileWal wal = FileWal.open(WalSettings.of(dir))) {
      appendAll(wal, 1, 5);
    }
    Path segment = segments(dir).get(0);
    flipBit(segment, recordOffsets(segment).get(4) + 18, 1);
    try (FileWal wal = FileWal.open(WalSettings.of(dir))) {
      assertThat(wal.recovery().kind()).isEqualTo(Recovery.Kind.TORN_TAIL);
      assertThat(wal.lastIndex()).isEqualTo(4);
    }
  }

  /** Counts fsyncs; can hold the first one until released, so that the test controls batching. */
  static final class GateHook implements SyncHook {
    final AtomicInteger forces = new AtomicInteger();
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    volatile boolean gated;
    volatile IOException fail;

    @Override
    public void force(FileChannel channel) throws IOException {
      if (fail != null) {
        throw fail;
      }
      int n = forces.incrementAndGet();
      if (gated && n == 1) {
        entered.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
      }
      channel.force(false);
    }
  }

  @Test
  void recordsAppendedDuringAnFsyncShareTheNextOne() throws Exception {
    GateHook hook = new GateHook();
    try (FileWal wal = FileWal.open(WalSettings.of(tmp.resolve("wal")), hook)) {
      hook.forces.set(0);
      hook.gated = true;
      CompletableFuture<Long> first = wal.append(payload(1));
      assertThat(hook.entered.await(30, TimeUnit.SECONDS)).as("first fsync started").isTrue();
      List<CompletableFuture<Long>> batch = new ArrayList<>();
      for (int i = 2; i <= 11; i++) {
        batch.add(wal.append(payload(i)));
      }
      // Nothing is acknowledged while the fsync covering it has not returned.
      assertThat(first).isNotDone();
      assertThat(batch).allMatch(f -> !f.isDone());
      assertThat(wal.durableIndex()).isZero();
      assertThat(wal.read(1, 100)).as("readers see only durable records").isEmpty();
      hook.release.countDown();
      assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(1);
      for (int i = 0; i < batch.size(); i++) {
        assertThat(batch.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(i + 2);
      }
      assertThat(hook.forces.get()).as("one fsync for the first record, one for the ten behind it").isEqualTo(2);
      assertRecords(wal, 1, 11);
    }
  }

  @Test
  void concurrentAppendersGetDistinctConsecutiveIndexesInTheirOwnOrder() throws Exception {
    Path dir = tmp.resolve("wal");
    WalSettings settings = new WalSettings(dir, 4096, 1024);
    int threads = 4;
    int each = 250;
    List<List<CompletableFuture<Long>>> futures = new ArrayList<>();
    try (FileWal wal = FileWal.open(settings)) {
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        List<CompletableFuture<Long>> mine = new ArrayList<>();
        futures.add(mine);
        int id = t;
        workers.add(new Thread(() -> {
          try {
            start.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          for (int i = 0; i < each; i++) {
            mine.add(wal.append(("t" + id + "-" + i).getBytes(StandardCharsets.UTF_8)));
          }
        }));
      }
      workers.forEach(Thread::start);
      start.countDown();
      for (Thread w : workers) {
        w.join();
      }
      assertThat(wal.lastIndex()).isEqualTo(threads * each);
      checkConcurrent(wal, futures, each);
    }
    try (FileWal wal = FileWal.open(settings)) {
      assertThat(wal.recovery().kind()).isEqualTo(Recovery.Kind.CLEAN);
      checkConcurrent(wal, futures, each);
    }
  }

  private static void checkConcurrent(Wal wal, List<List<CompletableFuture<Long>>> futures, int each)
      throws IOException, InterruptedException, ExecutionException {
    for (List<CompletableFuture<Long>> mine : futures) {
      CompletableFuture.allOf(mine.toArray(new CompletableFuture<?>[0])).get();
    }
    List<WalRecord> all = wal.read(1, Integer.MAX_VALUE);
    assertThat(all).hasSize(futures.size() * each);
    for (int t = 0; t < futures.size(); t++) {
      long previous = 0;
      for (int i = 0; i < each; i++) {
        long index = futures.get(t).get(i).get();
        assertThat(index).isGreaterThan(previous);
        previous = index;
        assertThat(new String(all.get((int) index - 1).payload(), StandardCharsets.UTF_8)).isEqualTo("t" + t + "-" + i);
      }
    }
  }

  @Test
  void aFailedFsyncFailsTheWaitingAppendsAndRefusesNewOnes() throws Exception {
    GateHook hook = new GateHook();
    try (FileWal wal = FileWal.open(WalSettings.of(tmp.resolve("wal")), hook)) {
      assertThat(wal.append(payload(1)).get()).isEqualTo(1);
      hook.fail = new IOException("EIO from the disk");
      CompletableFuture<Long> doomed = wal.append(payload(2));
      assertThatThrownBy(() -> doomed.get(30, TimeUnit.SECONDS)).hasRootCauseMessage("EIO from the disk");
      assertThatThrownBy(() -> wal.append(payload(3))).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("EIO from the disk");
      assertThat(wal.durableIndex()).isEqualTo(1);
    }
  }

  @Test
  void aSnapshotDeletesTheSegmentsItCoversAndSurvivesReopening() throws Exception {
    Path dir = tmp.resolve("wal");
    WalSettings settings = new WalSettings(dir, 128, 1024);
    byte[] state = "state up to 12".getBytes(StandardCharsets.UTF_8);
    try (FileWal wal = FileWal.open(settings)) {
      appendAll(wal, 1, 20);
      int before = segments(dir).size();
      assertThatThrownBy(() -> wal.snapshot(21, state)).isInstanceOf(IllegalArgumentException.class);
      wal.snapshot(12, state);
      assertThat(segments(dir).size()).isLessThan(before);
      long first = wal.firstIndex();
      assertThat(first).isBetween(2L, 13L);
      assertThatThrownBy(() -> wal.read(1, 10)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("compacted");
      assertRecords(wal, (int) first, 20);
      assertThat(wal.latestSnapshot()).contains(new WalSnapshot(12, state));
    }
    try (FileWal wal = FileWal.open(settings)) {
      assertThat(wal.latestSnapshot()).contains(new WalSnapshot(12, state));
      assertThat(wal.lastIndex()).isEqualTo(20);
      assertRecords(wal, 13, 20);
      assertThat(wal.append(payload(21)).get()).isEqualTo(21);
      wal.snapshot(21, "all".getBytes(StandardCharsets.UTF_8));
      assertThatThrownBy(() -> wal.snapshot(13, state)).isInstanceOf(IllegalArgumentException.class);
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.filter(p -> p.toString().endsWith(".snap")).count()).as("older snapshots deleted").isEqualTo(1);
    }
    try (FileWal wal = FileWal.open(settings)) {
      assertThat(wal.latestSnapshot().orElseThrow().index()).isEqualTo(21);
      assertThat(wal.append(payload(22)).get()).isEqualTo(22);
    }
  }

  @Test
  void aCorruptSnapshotIsIgnoredInFavourOfTheLog() throws Exception {
    Path dir = tmp.resolve("wal");
    try (FileWal wal = FileWal.open(WalSettings.of(dir))) {
      appendAll(wal, 1, 5);
      wal.snapshot(3, new byte[] {1, 2, 3});
    }
    Path snap;
    try (Stream<Path> files = Files.list(dir)) {
      snap = files.filter(p -> p.toString().endsWith(".snap")).findFirst().orElseThrow();
    }
    flipBit(snap, 15, 0);
    try (FileWal wal = FileWal.open(WalSettings.of(dir))) {
      assertThat(wal.latestSnapshot()).isEmpty();
      assertRecords(wal, 1, 5);
    }
  }
}
