package io.splitguard.wal;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * The write-ahead log on local files.
 *
 * <p><b>Format.</b> Segment files are named after their first index ({@code
 * 00000000000000000001.wal}) and start with a 13-byte header: magic {@code "SGWL"}, format
 * version 1, first index (8 bytes). Records follow back to back, each a 16-byte header — payload
 * length (4), CRC-32C (4), index (8) — and the payload. The CRC covers the length, the index and
 * the payload, so a corrupt length or index is caught too. Integers are big-endian. Snapshots are
 * {@code snapshot-<index>.snap}: magic {@code "SGSP"}, version, index, length, state, CRC-32C of
 * all before it; written to a temporary file, fsynced and renamed, so a snapshot is either whole
 * or absent.
 *
 * <p><b>Group commit.</b> Appends write their frame under a lock and return; one sync thread
 * fsyncs and completes, in one go, every record appended since its previous fsync started. So N
 * concurrent appenders share fsyncs instead of queueing N of them, and no record is acknowledged
 * before it is durable.
 *
 * <p><b>Recovery.</b> See {@link Recovery.Kind}: a torn tail is cut; corruption stops the log at the
 * last good record before it, and the bytes after it are moved aside to {@code *.corrupt*} files.
 */
public final class FileWal implements Wal {
  static final int SEGMENT_MAGIC = 0x5347574c; // "SGWL"
  static final int SNAPSHOT_MAGIC = 0x53475350; // "SGSP"
  static final byte FORMAT_VERSION = 1;
  static final int SEGMENT_HEADER_BYTES = 4 + 1 + 8;
  static final int RECORD_HEADER_BYTES = 4 + 4 + 8;
  private static final String SEGMENT_SUFFIX = ".wal";
  private static final String SNAPSHOT_PREFIX = "snapshot-";
  private static final String SNAPSHOT_SUFFIX = ".snap";

  private final WalSettings settings;
  private final SyncHook hook;
  private final Recovery recovery;
  private final Thread syncer;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  // Everything below is guarded by lock, except durableIndex, which is also read without it.
  private final TreeMap<Long, Path> segments;
  private FileChannel active;
  private long activeSize;
  private long lastIndex;
  private volatile long durableIndex;
  private List<Pending> pending = new ArrayList<>();
  private List<FileChannel> rolled = new ArrayList<>();
  private IOException failure;
  private boolean closing;
  private Optional<WalSnapshot> snapshot;

  private record Pending(long index, CompletableFuture<Long> future) {}

  private FileWal(WalSettings settings, SyncHook hook, Recovery recovery, TreeMap<Long, Path> segments,
      Optional<WalSnapshot> snapshot, long lastIndex) throws IOException {
    this.settings = settings;
    this.hook = hook;
    this.recovery = recovery;
    this.segments = segments;
    this.snapshot = snapshot;
    this.lastIndex = lastIndex;
    this.durableIndex = lastIndex;
    if (segments.isEmpty()) {
      createSegment(lastIndex + 1);
    } else {
      Path last = segments.lastEntry().getValue();
      active = FileChannel.open(last, StandardOpenOption.WRITE);
      activeSize = active.size();
      active.position(activeSize);
    }
    syncer = new Thread(this::syncLoop, "splitguard-wal-sync-" + settings.directory().getFileName());
    syncer.setDaemon(true);
    syncer.start();
  }

  /** Opens (creating if needed) the log in {@code settings.directory()} with real fsyncs. */
  public static FileWal open(WalSettings settings) throws IOException {
    return open(settings, SyncHook.FSYNC);
  }

  /**
   * Opens (creating if needed) the log, recovering it first: see {@link #recovery()} for what was
   * found and cut. Every recovered segment is fsynced before the log is used, because the previous
   * process may have died with records still in the page cache.
   *
   * @throws IOException on I/O errors, or if segments are missing below the oldest one (a gap that
   *     no snapshot covers), which recovery must not paper over
   */
  public static FileWal open(WalSettings settings, SyncHook hook) throws IOException {
    Path dir = settings.directory();
    Files.createDirectories(dir);
    try (DirectoryStream<Path> tmp = Files.newDirectoryStream(dir, "*.tmp")) {
      for (Path p : tmp) {
        Files.delete(p); // a snapshot that was never renamed into place
      }
    }
    Optional<WalSnapshot> snapshot = loadLatestSnapshot(dir);
    long snapshotIndex = snapshot.map(WalSnapshot::index).orElse(0L);
    TreeMap<Long, Path> segments = new TreeMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SEGMENT_SUFFIX)) {
      for (Path p : files) {
        String name = p.getFileName().toString();
        try {
          segments.put(Long.parseLong(name.substring(0, name.length() - SEGMENT_SUFFIX.length())), p);
        } catch (NumberFormatException e) {
          throw new IOException("unexpected file in WAL directory: " + p, e);
        }
      }
    }
    if (!segments.isEmpty() && segments.firstKey() > snapshotIndex + 1) {
      throw new IOException("WAL gap: oldest segment starts at index " + segments.firstKey()
          + " but the latest snapshot only covers up to " + snapshotIndex);
    }
    Scan scan = scan(settings, hook, segments, snapshotIndex);
    if (scan.lastIndex < snapshotIndex) {
      // Everything left is covered by the snapshot (possible only after cutting corruption).
      for (Path p : segments.values()) {
        Files.delete(p);
      }
      segments.clear();
    }
    for (Path p : segments.values()) {
      try (FileChannel c = FileChannel.open(p, StandardOpenOption.WRITE)) {
        hook.force(c);
      }
    }
    hook.forceDirectory(dir);
    return new FileWal(settings, hook, scan.recovery, segments, snapshot, Math.max(scan.lastIndex, snapshotIndex));
  }

  private record Scan(long lastIndex, Recovery recovery) {}

  /** Verifies every segment in order; cuts at the first bad record. Mutates {@code segments}. */
  private static Scan scan(WalSettings settings, SyncHook hook, TreeMap<Long, Path> segments, long snapshotIndex)
      throws IOException {
    long expected = segments.isEmpty() ? snapshotIndex + 1 : segments.firstKey();
    List<Map.Entry<Long, Path>> list = new ArrayList<>(segments.entrySet());
    for (int i = 0; i < list.size(); i++) {
      long first = list.get(i).getKey();
      Path path = list.get(i).getValue();
      boolean lastSegment = i == list.size() - 1;
      byte[] bytes = Files.readAllBytes(path);
      String problem = null;
      int pos = 0;
      boolean gap = first != expected;
      if (gap) {
        problem = "segment starts at index " + first + " but the previous one ended at " + (expected - 1);
      } else if (bytes.length < SEGMENT_HEADER_BYTES) {
        problem = "segment header incomplete (" + bytes.length + " bytes)";
      } else if (ByteBuffer.wrap(bytes).getInt(0) != SEGMENT_MAGIC || bytes[4] != FORMAT_VERSION
          || ByteBuffer.wrap(bytes).getLong(5) != first) {
        problem = "segment header invalid";
      } else {
        pos = SEGMENT_HEADER_BYTES;
        while (pos < bytes.length) {
          String bad = checkRecord(bytes, pos, expected, settings.recordBytesMax());
          if (bad != null) {
            problem = "record " + expected + " " + bad;
            break;
          }
          pos += RECORD_HEADER_BYTES + ByteBuffer.wrap(bytes).getInt(pos);
          expected++;
        }
      }
      if (problem == null) {
        continue;
      }
      // A crash can only tear what was being written last: the end of the last segment, with no
      // intact record after it. Anything else is corruption of data that may have been acknowledged.
      boolean torn = lastSegment && !gap && !anyValidRecordAfter(bytes, pos + 1, expected, settings);
      return new Scan(expected - 1, cut(settings, hook, segments, list, i, pos, bytes, torn, problem, expected - 1));
    }
    return new Scan(expected - 1, Recovery.clean(expected - 1));
  }

  /** Null if the record at {@code pos} is intact and has index {@code expected}, else why not. */
  private static String checkRecord(byte[] bytes, int pos, long expected, int recordBytesMax) {
    if (bytes.length - pos < RECORD_HEADER_BYTES) {
      return "header incomplete at offset " + pos + " (" + (bytes.length - pos) + " bytes left)";
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    int length = b.getInt(pos);
    if (length < 0 || length > recordBytesMax) {
      return "has an impossible length " + length + " at offset " + pos;
    }
    if ((long) pos + RECORD_HEADER_BYTES + length > bytes.length) {
      return "incomplete at offset " + pos + ": needs " + (RECORD_HEADER_BYTES + length) + " bytes, "
          + (bytes.length - pos) + " left";
    }
    if (b.getInt(pos + 4) != crc(bytes, pos, length)) {
      return "fails its CRC-32C at offset " + pos;
    }
    long index = b.getLong(pos + 8);
    if (index != expected) {
      return "has index " + index + " at offset " + pos;
    }
    return null;
  }

  /** Whether an intact record with a plausible later index starts anywhere from {@code from} on. */
  private static boolean anyValidRecordAfter(byte[] bytes, int from, long expected, WalSettings settings) {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    long maxPlausible = expected + bytes.length / RECORD_HEADER_BYTES;
    for (int p = from; p + RECORD_HEADER_BYTES <= bytes.length; p++) {
      long index = b.getLong(p + 8);
      // The cheap index test first, so that scanning garbage costs almost no CRCs.
      if (index >= expected && index <= maxPlausible
          && checkRecord(bytes, p, index, settings.recordBytesMax()) == null) {
        return true;
      }
    }
    return false;
  }

  /** Cuts the log at {@code pos} of segment {@code i}; preserves the cut bytes if it is corruption. */
  private static Recovery cut(WalSettings settings, SyncHook hook, TreeMap<Long, Path> segments,
      List<Map.Entry<Long, Path>> list, int i, int pos, byte[] bytes, boolean torn, String problem, long lastGood)
      throws IOException {
    Path path = list.get(i).getValue();
    List<Path> preserved = new ArrayList<>();
    long bytesCut = bytes.length - pos;
    if (!torn) {
      Path aside = path.resolveSibling(path.getFileName() + ".corrupt-" + pos);
      Files.write(aside, java.util.Arrays.copyOfRange(bytes, pos, bytes.length), StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE);
      preserved.add(aside);
    }
    if (pos == 0) {
      Files.delete(path);
      segments.remove(list.get(i).getKey());
    } else {
      try (FileChannel c = FileChannel.open(path, StandardOpenOption.WRITE)) {
        c.truncate(pos);
        hook.force(c);
      }
    }
    for (int j = i + 1; j < list.size(); j++) {
      Path later = list.get(j).getValue();
      bytesCut += Files.size(later);
      Path aside = later.resolveSibling(later.getFileName() + ".corrupt");
      Files.move(later, aside);
      preserved.add(aside);
      segments.remove(list.get(j).getKey());
    }
    hook.forceDirectory(settings.directory());
    Recovery.Kind kind = torn ? Recovery.Kind.TORN_TAIL : Recovery.Kind.CORRUPTION;
    String message = torn
        ? "torn tail repaired: " + problem + " in " + path.getFileName() + "; cut " + bytesCut
            + " bytes of an unacknowledged write; log ends at index " + lastGood
        : "CORRUPTION: " + problem + " in " + path.getFileName() + " with intact data after it; the log stops at"
            + " the last good record, index " + lastGood + "; " + bytesCut + " bytes moved aside to " + preserved
            + "; records after index " + lastGood + " are missing on this node and must be recovered from peers";
    return new Recovery(kind, lastGood, path.getFileName().toString(), pos, bytesCut, preserved, message);
  }

  private static int crc(byte[] bytes, int pos, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, pos, 4); // length
    crc.update(bytes, pos + 8, 8 + length); // index and payload
    return (int) crc.getValue();
  }

  private static Optional<WalSnapshot> loadLatestSnapshot(Path dir) throws IOException {
    TreeMap<Long, Path> snapshots = new TreeMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, SNAPSHOT_PREFIX + "*" + SNAPSHOT_SUFFIX)) {
      for (Path p : files) {
        String name = p.getFileName().toString();
        snapshots.put(Long.parseLong(name.substring(SNAPSHOT_PREFIX.length(), name.length() - SNAPSHOT_SUFFIX.length())), p);
      }
    }
    for (Path p : snapshots.descendingMap().values()) {
      Optional<WalSnapshot> s = readSnapshot(Files.readAllBytes(p));
      if (s.isPresent()) {
        return s;
      }
      // An invalid snapshot is skipped (an older one, plus the segments it did not free, still
      // describe the state); it is left in place for inspection.
    }
    return Optional.empty();
  }

  private static Optional<WalSnapshot> readSnapshot(byte[] bytes) {
    int fixed = 4 + 1 + 8 + 4;
    if (bytes.length < fixed + 4) {
      return Optional.empty();
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    int length = b.getInt(13);
    if (b.getInt(0) != SNAPSHOT_MAGIC || bytes[4] != FORMAT_VERSION || length < 0 || fixed + length + 4 != bytes.length) {
      return Optional.empty();
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, fixed + length);
    if ((int) crc.getValue() != b.getInt(fixed + length)) {
      return Optional.empty();
    }
    return Optional.of(new WalSnapshot(b.getLong(5), java.util.Arrays.copyOfRange(bytes, fixed, fixed + length)));
  }

  // ---- appending

  @Override
  public CompletableFuture<Long> append(byte[] payload) {
    if (payload.length > settings.recordBytesMax()) {
      throw new IllegalArgumentException(
          "record of " + payload.length + " bytes exceeds the limit of " + settings.recordBytesMax());
    }
    ByteBuffer frame = ByteBuffer.allocate(RECORD_HEADER_BYTES + payload.length);
    lock.lock();
    try {
      requireUsable();
      if (activeSize > SEGMENT_HEADER_BYTES && activeSize + frame.capacity() > settings.segmentBytesMax()) {
        roll();
      }
      long index = lastIndex + 1;
      frame.putInt(payload.length).putInt(0).putLong(index).put(payload);
      byte[] bytes = frame.array();
      ByteBuffer.wrap(bytes).putInt(4, crc(bytes, 0, payload.length));
      frame.flip();
      while (frame.hasRemaining()) {
        active.write(frame);
      }
      activeSize += bytes.length;
      lastIndex = index;
      CompletableFuture<Long> future = new CompletableFuture<>();
      pending.add(new Pending(index, future));
      work.signalAll();
      return future;
    } catch (IOException e) {
      // A partial frame may be on disk; recovery will cut it. Nothing more can be appended safely.
      failure = e;
      return CompletableFuture.failedFuture(e);
    } finally {
      lock.unlock();
    }
  }

  private void requireUsable() {
    if (closing) {
      throw new IllegalStateException("WAL is closed");
    }
    if (failure != null) {
      throw new IllegalStateException("WAL failed and accepts no more appends: " + failure.getMessage(), failure);
    }
  }

  /** Starts a new segment; the old one is fsynced and closed by the sync thread. Under lock. */
  private void roll() throws IOException {
    rolled.add(active);
    createSegment(lastIndex + 1);
  }

  private void createSegment(long firstIndex) throws IOException {
    Path path = settings.directory().resolve(String.format("%020d%s", firstIndex, SEGMENT_SUFFIX));
    FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    ByteBuffer header = ByteBuffer.allocate(SEGMENT_HEADER_BYTES);
    header.putInt(SEGMENT_MAGIC).put(FORMAT_VERSION).putLong(firstIndex).flip();
    while (header.hasRemaining()) {
      channel.write(header);
    }
    // The new file's name must be durable before any record in it is acknowledged.
    hook.forceDirectory(settings.directory());
    active = channel;
    activeSize = SEGMENT_HEADER_BYTES;
    segments.put(firstIndex, path);
  }

  private void syncLoop() {
    while (true) {
      List<Pending> batch;
      List<FileChannel> toForce;
      FileChannel current;
      lock.lock();
      try {
        while (pending.isEmpty() && !closing) {
          work.awaitUninterruptibly();
        }
        if (pending.isEmpty()) {
          return;
        }
        batch = pending;
        pending = new ArrayList<>();
        toForce = rolled;
        rolled = new ArrayList<>();
        current = active;
      } finally {
        lock.unlock();
      }
      try {
        for (FileChannel c : toForce) {
          hook.force(c);
          c.close();
        }
        hook.force(current);
        durableIndex = batch.get(batch.size() - 1).index();
        for (Pending p : batch) {
          p.future().complete(p.index());
        }
      } catch (IOException | RuntimeException e) {
        IOException error = e instanceof IOException io ? io : new IOException("fsync failed", e);
        List<Pending> failed = new ArrayList<>(batch);
        lock.lock();
        try {
          // Never retry an fsync: after a failure the kernel may have dropped the dirty pages.
          failure = error;
          failed.addAll(pending);
          pending = new ArrayList<>();
          rolled.addAll(toForce);
        } finally {
          lock.unlock();
        }
        for (Pending p : failed) {
          p.future().completeExceptionally(error);
        }
      }
    }
  }

  // ---- reading

  @Override
  public List<WalRecord> read(long fromIndex, int maxRecords) throws IOException {
    if (maxRecords < 0) {
      throw new IllegalArgumentException("maxRecords must not be negative");
    }
    TreeMap<Long, Path> view;
    long bound;
    lock.lock();
    try {
      long first = firstIndexLocked();
      if (fromIndex < first) {
        throw new IllegalArgumentException("index " + fromIndex + " is compacted; the log starts at " + first);
      }
      bound = Math.min(durableIndex, fromIndex + maxRecords - 1L);
      // There is always an active segment, and fromIndex >= its first key, so floorKey exists.
      view = new TreeMap<>(segments.tailMap(segments.floorKey(fromIndex), true));
    } finally {
      lock.unlock();
    }
    List<WalRecord> out = new ArrayList<>();
    for (Map.Entry<Long, Path> seg : view.entrySet()) {
      if (seg.getKey() > bound) {
        break;
      }
      readSegment(seg.getValue(), seg.getKey(), fromIndex, bound, out);
    }
    return out;
  }

  private void readSegment(Path path, long firstIndex, long fromIndex, long bound, List<WalRecord> out)
      throws IOException {
    try (FileChannel c = FileChannel.open(path, StandardOpenOption.READ);
         DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(c), 1 << 16))) {
      in.skipNBytes(SEGMENT_HEADER_BYTES);
      long index = firstIndex;
      while (index <= bound) {
        int length;
        try {
          length = in.readInt();
        } catch (EOFException e) {
          return;
        }
        int storedCrc = in.readInt();
        long storedIndex = in.readLong();
        if (length < 0 || length > settings.recordBytesMax() || storedIndex != index) {
          throw new IOException("corrupt record at index " + index + " in " + path.getFileName());
        }
        byte[] frame = new byte[RECORD_HEADER_BYTES + length];
        ByteBuffer.wrap(frame).putInt(length).putInt(storedCrc).putLong(storedIndex);
        in.readFully(frame, RECORD_HEADER_BYTES, length);
        if (crc(frame, 0, length) != storedCrc) {
          throw new IOException("record " + index + " in " + path.getFileName() + " fails its CRC-32C");
        }
        if (index >= fromIndex) {
          out.add(new WalRecord(index, java.util.Arrays.copyOfRange(frame, RECORD_HEADER_BYTES, frame.length)));
        }
        index++;
      }
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("segment " + path.getFileName() + " was compacted while reading", e);
    }
  }

  @Override
  public long firstIndex() {
    lock.lock();
    try {
      return firstIndexLocked();
    } finally {
      lock.unlock();
    }
  }

  private long firstIndexLocked() {
    return segments.isEmpty() ? lastIndex + 1 : segments.firstKey();
  }

  @Override
  public long lastIndex() {
    lock.lock();
    try {
      return lastIndex;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public long durableIndex() {
    return durableIndex;
  }

  // ---- snapshots

  @Override
  public void snapshot(long index, byte[] state) throws IOException {
    if (index > durableIndex) {
      throw new IllegalArgumentException("cannot snapshot index " + index + ": only " + durableIndex + " is durable");
    }
    lock.lock();
    try {
      if (snapshot.isPresent() && snapshot.get().index() > index) {
        throw new IllegalArgumentException(
            "snapshot at " + index + " is older than the latest, at " + snapshot.get().index());
      }
    } finally {
      lock.unlock();
    }
    Path dir = settings.directory();
    Path target = dir.resolve(String.format("%s%020d%s", SNAPSHOT_PREFIX, index, SNAPSHOT_SUFFIX));
    Path tmp = dir.resolve(target.getFileName() + ".tmp");
    int fixed = 4 + 1 + 8 + 4;
    ByteBuffer b = ByteBuffer.allocate(fixed + state.length + 4);
    b.putInt(SNAPSHOT_MAGIC).put(FORMAT_VERSION).putLong(index).putInt(state.length).put(state);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, fixed + state.length);
    b.putInt((int) crc.getValue()).flip();
    try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE)) {
      while (b.hasRemaining()) {
        c.write(b);
      }
      hook.force(c);
    }
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    hook.forceDirectory(dir);
    List<Path> obsolete = new ArrayList<>();
    lock.lock();
    try {
      snapshot = Optional.of(new WalSnapshot(index, state));
      // A segment is covered when the next one starts at or below index + 1; the active (last)
      // segment always stays, since appends go there.
      while (segments.size() > 1) {
        Long second = segments.higherKey(segments.firstKey());
        if (second - 1 > index) {
          break;
        }
        obsolete.add(segments.pollFirstEntry().getValue());
      }
    } finally {
      lock.unlock();
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, SNAPSHOT_PREFIX + "*" + SNAPSHOT_SUFFIX)) {
      for (Path p : files) {
        if (!p.equals(target)) {
          obsolete.add(p);
        }
      }
    }
    for (Path p : obsolete) {
      Files.deleteIfExists(p);
    }
    hook.forceDirectory(dir);
  }

  @Override
  public Optional<WalSnapshot> latestSnapshot() {
    lock.lock();
    try {
      return snapshot;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Recovery recovery() {
    return recovery;
  }

  /** The settings this log was opened with. */
  public WalSettings settings() {
    return settings;
  }

  @Override
  public void close() throws IOException {
    lock.lock();
    try {
      if (closing) {
        return;
      }
      closing = true;
      work.signalAll();
    } finally {
      lock.unlock();
    }
    boolean interrupted = false;
    while (syncer.isAlive()) {
      try {
        syncer.join();
      } catch (InterruptedException e) {
        interrupted = true; // finish closing first; pending records are being made durable
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    lock.lock();
    try {
      IOException first = null;
      List<FileChannel> channels = new ArrayList<>(rolled);
      channels.add(active);
      for (FileChannel c : channels) {
        try {
          c.close();
        } catch (IOException e) {
          first = first == null ? e : first;
        }
      }
      if (first != null) {
        throw first;
      }
    } finally {
      lock.unlock();
    }
  }
}
