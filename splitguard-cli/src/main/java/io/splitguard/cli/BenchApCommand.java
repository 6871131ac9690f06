package io.splitguard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.splitguard.core.ap.clock.Hlc;
import io.splitguard.core.ap.clock.HlcSettings;
import io.splitguard.core.ap.crdt.LwwRegister;
import io.splitguard.core.ap.merkle.MerkleTree;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.server.ap.ApChannel;
import io.splitguard.server.ap.ApPeerEndpoint;
import io.splitguard.server.ap.ApProtocol;
import io.splitguard.server.ap.ApReplicationSettings;
import io.splitguard.server.ap.ApReplicator;
import io.splitguard.server.ap.ApStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code splitguard bench ap}: AP convergence after a partition and AP write throughput, in one
 * process, on real {@code FileWal}s on disk, through the real anti-entropy code ({@link
 * ApReplicator} asking an {@link ApPeerEndpoint} with {@link ApProtocol} bytes; only HTTP is left
 * out, so bytes are the bodies the node sends, without HTTP headers).
 */
@Command(
    name = "ap",
    mixinStandardHelpOptions = true,
    description = "AP tier: time and bytes for two nodes to converge after a partition with N divergent keys "
        + "(against a full-state transfer), and local AP write throughput with 1..64 writers. "
        + "Runs in this process on real write-ahead logs under --dir; give the JVM memory (-Xmx6g for 1M keys).")
final class BenchApCommand implements Callable<Integer> {
  private static final NodeId A = NodeId.of("a");
  private static final NodeId B = NodeId.of("b");
  private static final String KEYSPACE = "bench";

  @Option(names = "--keys", description = "keys on both nodes before the partition (default: ${DEFAULT-VALUE})")
  int keys = 1_000_000;

  @Option(names = "--divergent", description = "keys written during the partition: 40% only on a, 40% only on b, "
      + "20% on both (default: ${DEFAULT-VALUE})")
  int divergent = 100_000;

  @Option(names = "--value-bytes", description = "bytes per value (default: ${DEFAULT-VALUE})")
  int valueBytes = 32;

  @Option(names = "--writers", split = ",", description = "concurrent writers for the throughput phase "
      + "(default: ${DEFAULT-VALUE})")
  List<Integer> writers = List.of(1, 16, 64);

  @Option(names = "--write-seconds", description = "seconds per throughput phase (default: ${DEFAULT-VALUE})")
  int writeSeconds = 10;

  @Option(names = "--dir", description = "where the logs go (default: a temporary directory, deleted afterwards)")
  Path dir;

  @Option(names = "--skip-convergence", description = "only measure write throughput")
  boolean skipConvergence;

  private final PrintStream out = System.out;

  @Override
  public Integer call() throws Exception {
    Path root = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("splitguard-bench-ap");
    try {
      out.printf("machine: %d cpus, max heap %d MiB, java %s%n", Runtime.getRuntime().availableProcessors(),
          Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.version"));
      if (!skipConvergence) {
        convergence(root.resolve("converge"));
      }
      throughput(root.resolve("throughput"));
      return 0;
    } finally {
      if (dir == null) {
        deleteTree(root);
      }
    }
  }

  // ---- convergence ------------------------------------------------------------------------------

  private void convergence(Path root) throws Exception {
    long wall = System.currentTimeMillis();
    try (ApStore a = ApStore.open(A, root.resolve("a"), HlcSettings.of(A), System::currentTimeMillis, (k, s) -> { });
        ApStore b = ApStore.open(B, root.resolve("b"), HlcSettings.of(B), System::currentTimeMillis, (k, s) -> { })) {
      long t0 = System.nanoTime();
      String pad = "x".repeat(Math.max(0, valueBytes - 8));
      List<ApStore.Entry> batch = new ArrayList<>(1000);
      for (int i = 0; i < keys; i++) {
        batch.add(new ApStore.Entry(KEYSPACE, new LwwRegister(key(i), String.format("%08d", i) + pad,
            new Hlc(wall - 60_000, 0, A))));
        if (batch.size() == 1000 || i == keys - 1) {
          CompletableFuture.allOf(a.merge(batch, B), b.merge(batch, A)).join();
          batch = new ArrayList<>(1000);
        }
      }
      out.printf("loaded %,d keys into both nodes in %.1f s%n", keys, (System.nanoTime() - t0) / 1e9);

      // The partition: each side writes; 20% of the divergent keys on both sides (LWW conflicts).
      t0 = System.nanoTime();
      int onlyA = divergent * 2 / 5;
      int onlyB = divergent * 2 / 5;
      List<CompletableFuture<?>> writes = new ArrayList<>();
      for (int d = 0; d < divergent; d++) {
        int k = (int) ((d * 7_919L) % keys); // spread over the key space
        String value = "p" + d + pad;
        if (d < onlyA || d >= onlyA + onlyB) {
          writes.add(a.writeLww(KEYSPACE, key(k), "a" + value));
        }
        if (d >= onlyA) {
          writes.add(b.writeLww(KEYSPACE, key(k), "b" + value));
        }
        if (writes.size() >= 4096) {
          CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
          writes.clear();
        }
      }
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
      out.printf("partition: %,d divergent keys written in %.1f s%n", divergent, (System.nanoTime() - t0) / 1e9);

      ApProtocol protocol = new ApProtocol(new ObjectMapper());
      long fullState = fullStateBytes(a, protocol);
      long before = wholeRangeBytes(a, b, protocol, ApReplicationSettings.defaults().rangeCount());

      // Anti-entropy as the node runs it, a asking b.
      ApPeerEndpoint endpointB = new ApPeerEndpoint(b, id -> id.equals(A), protocol);
      Map<ApProtocol.Operation, long[]> bytes = new EnumMap<>(ApProtocol.Operation.class);
      ApChannel loopback = (peer, op, request) -> endpointB.handle(op, request).thenApply(answer -> {
        long[] count = bytes.computeIfAbsent(op, o -> new long[3]);
        count[0]++;
        count[1] += request.length;
        count[2] += answer.length;
        return answer;
      });
      SimpleMeterRegistry metrics = new SimpleMeterRegistry();
      ApReplicator replicator = new ApReplicator(A, List.of(B), a, loopback, peer -> true,
          ApReplicationSettings.defaults(), System::currentTimeMillis, metrics);
      int ranges = ApReplicator.rangeCountFor(a.durableKeyCount(), ApReplicationSettings.defaults().rangeCount());
      t0 = System.nanoTime();
      int rounds = 0;
      do {
        replicator.antiEntropyRound().join();
        rounds++;
      } while (!Arrays.equals(a.tree(ranges).root(), b.tree(ranges).root()) && rounds < 10);
      double seconds = (System.nanoTime() - t0) / 1e9;
      boolean converged = Arrays.equals(a.tree(ranges).root(), b.tree(ranges).root());
      long exchanged = (long) metrics.get("ap_antientropy_bytes_total").counter().count();

      out.printf("%nconvergence: %s after %d anti-entropy round(s) in %.1f s (Merkle ranges: %,d)%n",
          converged ? "converged" : "NOT CONVERGED", rounds, seconds, ranges);
      out.println("| operation | requests | request bytes | answer bytes |");
      out.println("|---|---:|---:|---:|");
      bytes.forEach((op, c) -> out.printf("| %s | %,d | %,d | %,d |%n", op, c[0], c[1], c[2]));
      out.printf("bytes exchanged (ap_antientropy_bytes_total): %,d (%.1f MiB)%n", exchanged, exchanged / 1048576.0);
      out.printf("full-state transfer, one direction (all %,d entries, same encoding): %,d bytes (%.1f MiB)%n",
          a.durableKeyCount(), fullState, fullState / 1048576.0);
      out.printf("exchanged / full state: %.3f%n", (double) exchanged / fullState);
      out.printf("previous design (256 ranges, differing ranges fetched and pushed whole): %,d bytes (%.1f MiB), "
          + "%.3f of full state%n", before, before / 1048576.0, (double) before / fullState);
    }
  }

  private static String key(int i) {
    return "user/" + String.format("%08d", i);
  }

  /** Bytes of all of {@code a}'s entries in range answers of at most 1000 entries. */
  private static long fullStateBytes(ApStore a, ApProtocol protocol) {
    Set<Integer> all = new HashSet<>();
    IntStream.range(0, 256).forEach(all::add);
    List<ApStore.Entry> entries = a.entriesInRanges(all, 256);
    long total = 0;
    for (int i = 0; i < entries.size(); i += 1000) {
      total += protocol.encodeEntries(entries.subList(i, Math.min(entries.size(), i + 1000))).length;
    }
    return total;
  }

  /**
   * What the previous anti-entropy exchanged for this divergence: the 256-range tree, and every
   * differing range's entries fetched from the peer and pushed back whole (range answers and
   * pushes in batches of 256), encoded with today's encoder.
   */
  private static long wholeRangeBytes(ApStore a, ApStore b, ApProtocol protocol, int rangeCount) {
    MerkleTree ta = a.tree(rangeCount);
    List<Integer> differing = MerkleTree.diff(ta, b.tree(rangeCount));
    long total = protocol.encodeDigest(rangeCount, java.util.Optional.of(ta)).length;
    for (int from = 0; from < differing.size(); from += 16) {
      Set<Integer> slice = new HashSet<>(differing.subList(from, Math.min(differing.size(), from + 16)));
      total += protocol.encodeEntries(b.entriesInRanges(slice, rangeCount)).length;
      List<ApStore.Entry> ours = a.entriesInRanges(slice, rangeCount);
      for (int i = 0; i < ours.size(); i += 256) {
        total += protocol.encodePush(A, ours.subList(i, Math.min(ours.size(), i + 256))).length;
      }
    }
    System.out.printf("previous design: %d of %d ranges differ%n", differing.size(), rangeCount);
    return total;
  }

  // ---- throughput -------------------------------------------------------------------------------

  private void throughput(Path root) throws Exception {
    out.printf("%nAP write throughput, one node, LWW writes of %d-byte values, each acknowledged after its fsync "
        + "(group commit), %d s per row:%n", valueBytes, writeSeconds);
    out.println("| writers | writes/s | writes |");
    out.println("|---:|---:|---:|");
    String value = "v".repeat(valueBytes);
    for (int n : writers) {
      Path d = root.resolve("w" + n);
      try (ApStore store = ApStore.open(A, d, HlcSettings.of(A), System::currentTimeMillis, (k, s) -> { })) {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong done = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < n; w++) {
          int id = w;
          Thread t = new Thread(() -> {
            long i = 0;
            while (!stop.get()) {
              store.writeLww(KEYSPACE, "w" + id + "/" + (i++ % 10_000), value).join();
              done.incrementAndGet();
            }
          }, "bench-ap-writer-" + w);
          threads.add(t);
        }
        long t0 = System.nanoTime();
        threads.forEach(Thread::start);
        Thread.sleep(writeSeconds * 1000L); // the measurement window of a benchmark, not a wait for a condition
        stop.set(true);
        for (Thread t : threads) {
          t.join();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        out.printf("| %d | %,.0f | %,d |%n", n, done.get() / seconds, done.get());
      }
      deleteTree(d);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
