package io.splitguard.raft;

import io.splitguard.core.kv.KvCodec;
import io.splitguard.core.kv.KvCommand;
import io.splitguard.core.kv.KvEntry;
import io.splitguard.core.kv.KvResult;
import io.splitguard.core.kv.KvStore;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine of the CP registry: a thin shell around the pure {@link KvStore}.
 *
 * <p>Threading: Ratis calls {@link #applyTransaction} on a single thread, in log order; reads
 * ({@link #query}, {@link #readLocal}) and {@link #takeSnapshot} come from other threads. A
 * read-write lock guards the store. Apply never throws for application-level outcomes (a failed
 * compare-and-set is a result): an exception from apply would stop the server.
 */
final class RegistryStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryStateMachine.class);

  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private KvStore store = new KvStore();

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage)
      throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    loadLatestSnapshot();
  }

  @Override
  public void reinitialize() throws IOException {
    // Called after a snapshot was installed from the leader.
    loadLatestSnapshot();
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return storage;
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    TermIndex termIndex = TermIndex.valueOf(entry);
    KvCommand command;
    try {
      command = KvCodec.decodeCommand(entry.getStateMachineLogEntry().getLogData().toByteArray());
    } catch (IllegalArgumentException e) {
      // The HTTP layer only proposes valid commands, so this is corruption or a newer format.
      // Failing the future keeps the replica alive; the index still advances identically on every
      // replica because they all see the same bytes.
      LOG.error("event=apply_undecodable index={} error={}", termIndex.getIndex(), e.getMessage());
      updateLastAppliedTermIndex(termIndex);
      return CompletableFuture.failedFuture(e);
    }
    KvResult result;
    lock.writeLock().lock();
    try {
      result = store.apply(command);
      updateLastAppliedTermIndex(termIndex);
    } finally {
      lock.writeLock().unlock();
    }
    return CompletableFuture.completedFuture(
        Message.valueOf(ByteString.copyFrom(KvCodec.encodeResult(result))));
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    String key;
    try {
      key = KvCodec.decodeQuery(request.getContent().toByteArray());
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    Optional<KvEntry> entry;
    lock.readLock().lock();
    try {
      entry = store.get(key);
    } finally {
      lock.readLock().unlock();
    }
    return CompletableFuture.completedFuture(
        Message.valueOf(ByteString.copyFrom(KvCodec.encodeQueryAnswer(entry))));
  }

  /** Reads local applied state, with the index it reflects. */
  ReadAtIndex readLocal(String key) {
    lock.readLock().lock();
    try {
      return new ReadAtIndex(store.get(key), getLastAppliedTermIndex().getIndex());
    } finally {
      lock.readLock().unlock();
    }
  }

  record ReadAtIndex(Optional<KvEntry> entry, long index) {}

  @Override
  public long takeSnapshot() throws IOException {
    KvStore copy;
    TermIndex last;
    lock.readLock().lock();
    try {
      last = getLastAppliedTermIndex();
      // Copy under the lock, write outside it, so apply is blocked only for the copy.
      copy = KvStore.restore(store.entries().values(), store.revision());
    } finally {
      lock.readLock().unlock();
    }
    if (last == null || last.getIndex() < 0) {
      return -1;
    }
    File target = storage.getSnapshotFile(last.getTerm(), last.getIndex());
    Path tmp = target.toPath().resolveSibling(target.getName() + ".tmp");
    try (FileChannel channel = FileChannel.open(
            tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE);
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16)) {
      KvCodec.writeSnapshot(copy, out);
      out.flush();
      channel.force(true);
    }
    Files.move(tmp, target.toPath(), StandardCopyOption.ATOMIC_MOVE);
    fsyncDirectory(target.toPath().getParent());
    MD5Hash digest = MD5FileUtil.computeAndSaveMd5ForFile(target);
    storage.updateLatestSnapshot(
        new SingleFileSnapshotInfo(new FileInfo(target.toPath(), digest), last));
    LOG.info("event=snapshot_taken term={} index={} keys={} revision={}",
        last.getTerm(), last.getIndex(), copy.size(), copy.revision());
    return last.getIndex();
  }

  private void loadLatestSnapshot() throws IOException {
    SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
    if (snapshot == null) {
      return;
    }
    Path file = snapshot.getFile().getPath();
    KvStore loaded;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      loaded = KvCodec.readSnapshot(in);
    }
    lock.writeLock().lock();
    try {
      store = loaded;
      setLastAppliedTermIndex(snapshot.getTermIndex());
    } finally {
      lock.writeLock().unlock();
    }
    LOG.info("event=snapshot_loaded index={} keys={} revision={}",
        snapshot.getIndex(), loaded.size(), loaded.revision());
  }

  private static void fsyncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // Some file systems refuse to open directories; the rename is then as durable as they allow.
      LOG.debug("event=dir_fsync_unsupported dir={}", dir);
    }
  }
}
