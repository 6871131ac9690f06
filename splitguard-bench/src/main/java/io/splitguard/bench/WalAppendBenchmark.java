package io.splitguard.bench;

import io.splitguard.wal.FileWal;
import io.splitguard.wal.WalSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Appends to the AP tier's write-ahead log ({@link FileWal}, real fsyncs), each one waited for
 * until it is acknowledged, that is until an fsync covering it has completed: what every AP write
 * waits for before it is answered. With one writer every append pays a whole fsync; with 16
 * concurrent writers group commit lets the appends made during one fsync share the next, so the
 * throughput of the two rows shows what group commit buys. Throughput in appends per second,
 * summed over the writers ({@code -bm avgt} or {@code -bm sample} gives the acknowledgement
 * latency instead).
 *
 * <p>The log lives in a fresh temporary directory per trial, deleted at the end; the result
 * depends on the file system and device under it, so {@code -p directory=/path} puts it on
 * another one (default: {@code java.io.tmpdir}; on a tmpfs fsync is free and the numbers mean
 * nothing). Between iterations a snapshot frees the filled segments, as the AP store's
 * compaction does, so a long run does not fill the disk. Default WAL settings (64 MiB segments).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class WalAppendBenchmark {

  /** Payload size in bytes; 100 is the {@code splitguard bench} value size. */
  @Param({"100"})
  public int payloadBytes;

  /** Directory to create the log's temporary directory in; empty for {@code java.io.tmpdir}. */
  @Param({""})
  public String directory;

  private Path dir;
  private FileWal wal;
  private byte[] payload;

  /** Opens an empty log in a new temporary directory. */
  @Setup(Level.Trial)
  public void open() throws IOException {
    String prefix = "splitguard-wal-bench-";
    dir = directory.isEmpty()
        ? Files.createTempDirectory(prefix)
        : Files.createTempDirectory(Path.of(directory), prefix);
    wal = FileWal.open(WalSettings.of(dir));
    payload = new byte[payloadBytes];
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) ('a' + i % 26);
    }
  }

  /** Snapshots everything appended so far, which deletes the segments it covers (untimed). */
  @TearDown(Level.Iteration)
  public void compact() throws IOException {
    long durable = wal.durableIndex();
    if (durable > 0) {
      wal.snapshot(durable, new byte[0]);
    }
  }

  /** Closes the log and deletes its directory. */
  @TearDown(Level.Trial)
  public void close() throws IOException {
    try {
      if (wal != null) {
        wal.close();
      }
    } finally {
      deleteRecursively(dir);
    }
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }

  private long appendAndWait() {
    return wal.append(payload).join();
  }

  /** One writer: every append waits for its own fsync. */
  @Benchmark
  @Threads(1)
  public long append1Writer() {
    return appendAndWait();
  }

  /** 16 concurrent writers on one log: appends share fsyncs (group commit). */
  @Benchmark
  @Threads(16)
  public long append16Writers() {
    return appendAndWait();
  }
}
