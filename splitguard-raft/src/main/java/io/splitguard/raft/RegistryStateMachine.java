package io.splitguard.raft;

import io.splitguard.core.keyspace.KeyspaceCodec;
import io.splitguard.core.keyspace.KeyspaceCommand;
import io.splitguard.core.keyspace.KeyspaceResult;
import io.splitguard.core.kv.KvCodec;
import io.splitguard.core.kv.KvCommand;
import io.splitguard.core.kv.KvEntry;
import io.splitguard.core.kv.KvResult;
import io.splitguard.core.lock.LockCodec;
import io.splitguard.core.lock.LockCommand;
import io.splitguard.core.lock.LockResult;
import io.splitguard.core.registry.Registry.LocalGuardedRead;
import io.splitguard.core.registry.Registry.LocalKeyspaces;
import io.splitguard.core.registry.Registry.LocalLockRead;
import io.splitguard.core.registry.AppliedRequests;
import io.splitguard.core.registry.BatchCodec;
import io.splitguard.core.registry.RecentResults;
import io.splitguard.core.registry.RegistryCodec;
import io.splitguard.core.registry.RegistryState;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
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
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine of the CP registry: a thin shell around the pure {@link RegistryState}
 * (the keyspace and the lock table).
 *
 * <p><b>Time.</b> Lock commands that involve time are stamped with the leader's wall-clock time
 * in {@link #startTransaction(RaftClientRequest)}, which Ratis runs on the leader before it
 * appends the entry. The stamp is part of the log entry, so every replica applies the same time;
 * no replica reads its own clock when applying. The pure state keeps the maximum stamp seen as
 * its replicated clock, so a new leader whose clock is behind cannot move time back.
 *
 * <p>Threading: Ratis calls {@link #applyTransaction} on a single thread, in log order; reads
 * ({@link #query}, {@link #readLocal}) and {@link #takeSnapshot} come from other threads. A
 * read-write lock guards the state. Apply never throws for application-level outcomes (a failed
 * compare-and-set, a held lock are results): an exception from apply would stop the server.
 */
final class RegistryStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryStateMachine.class);

  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private final LongSupplier leaderClockMs;
  private volatile Function<byte[], CompletableFuture<byte[]>> forwardHandler;
  private RegistryState state = new RegistryState();
  /** Results of recently applied writes, to answer a copy of one (guarded by {@code lock}). */
  private final RecentResults recentResults = new RecentResults();

  /** A state machine whose leader stamps {@link System#currentTimeMillis()}. */
  RegistryStateMachine() {
    this(System::currentTimeMillis);
  }

  /** @param leaderClockMs the wall clock this node stamps into lock commands while it leads */
  RegistryStateMachine(LongSupplier leaderClockMs) {
    this.leaderClockMs = leaderClockMs;
  }

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

  /**
   * Runs on the leader before the entry is appended: stamps the leader's time into lock commands
   * that need it. Anything else (keyspace commands, guarded writes, undecodable bytes) goes into
   * the log unchanged; undecodable bytes are then refused identically by every replica's apply.
   */
  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    ByteString data = request.getMessage().getContent();
    // Peek at the framing only: keyspace values can be large and need no decoding here.
    byte[] head = data.substring(0, Math.min(2, data.size())).toByteArray();
    if (!LockCodec.needsTime(head)) {
      return super.startTransaction(request);
    }
    LockCommand command;
    try {
      command = LockCodec.decodeCommand(data.toByteArray());
    } catch (IllegalArgumentException e) {
      return super.startTransaction(request);
    }
    byte[] stamped = LockCodec.encodeCommand(command.stamped(leaderClockMs.getAsLong()));
    return TransactionContext.newBuilder()
        .setStateMachine(this)
        .setClientRequest(request)
        .setLogData(ByteString.copyFrom(stamped))
        .build();
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    TermIndex termIndex = TermIndex.valueOf(entry);
    byte[] data = entry.getStateMachineLogEntry().getLogData().toByteArray();
    AppliedRequests.RequestId requestId = requestId(entry);
    if (BatchCodec.isBatch(data)) {
      return applyBatch(termIndex, data, requestId);
    }
    Supplier<Applied> command;
    try {
      command = prepare(termIndex, data);
    } catch (IllegalArgumentException e) {
      return undecodable(termIndex, e);
    }
    Applied applied;
    lock.writeLock().lock();
    try {
      // Checked, recorded and applied under one lock with the applied index, so a snapshot never
      // holds the id without the effect (or the effect without the id).
      if (!firstApplication(requestId)) {
        updateLastAppliedTermIndex(termIndex);
        return duplicate(termIndex, requestId);
      }
      applied = command.get();
      updateLastAppliedTermIndex(termIndex);
    } finally {
      lock.writeLock().unlock();
    }
    applied.logApplied().run();
    return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(applied.result())));
  }

  /**
   * A batch entry: its commands are applied in order under one lock, as one request (a retried
   * batch is skipped whole). An element that cannot be decoded is refused alone; the others apply.
   */
  private CompletableFuture<Message> applyBatch(TermIndex termIndex, byte[] data,
      AppliedRequests.RequestId requestId) {
    List<BatchCodec.Element> elements;
    try {
      elements = BatchCodec.decodeElements(data);
    } catch (IllegalArgumentException e) {
      return undecodable(termIndex, e);
    }
    List<Object> prepared = new ArrayList<>(elements.size());
    for (BatchCodec.Element element : elements) {
      try {
        prepared.add(prepare(termIndex, element.bytes()));
      } catch (IllegalArgumentException e) {
        LOG.error("event=apply_undecodable index={} batchElement={} error={}",
            termIndex.getIndex(), prepared.size(), e.getMessage());
        prepared.add(new BatchCodec.Outcome.Failed("undecodable command: " + e.getMessage()));
      }
    }
    List<BatchCodec.Outcome> outcomes = new ArrayList<>(prepared.size());
    List<Runnable> logs = new ArrayList<>(prepared.size());
    lock.writeLock().lock();
    try {
      if (!firstApplication(requestId)) {
        updateLastAppliedTermIndex(termIndex);
        return duplicate(termIndex, requestId);
      }
      for (int i = 0; i < prepared.size(); i++) {
        Object p = prepared.get(i);
        AppliedRequests.RequestId elementId = elements.get(i).id();
        if (p instanceof BatchCodec.Outcome.Failed failed) {
          outcomes.add(failed);
        } else if (!firstApplication(elementId)) {
          // A forwarded write that reached the log twice (its forward was retried into another
          // entry): it took effect at its first copy. Its result, if this node applied that copy
          // recently, is the truthful answer; otherwise the outcome is unknown to this node.
          Optional<byte[]> first = elementId == null ? Optional.empty() : recentResults.resultOf(elementId);
          LOG.warn("event=duplicate_request_skipped index={} request={} first_result_known={}",
              termIndex.getIndex(), elementId, first.isPresent());
          outcomes.add(first.<BatchCodec.Outcome>map(BatchCodec.Outcome.Done::new).orElseGet(() ->
              new BatchCodec.Outcome.Unknown("request " + elementId + " was already applied; not applying it twice")));
        } else {
          @SuppressWarnings("unchecked")
          Applied applied = ((Supplier<Applied>) p).get();
          outcomes.add(new BatchCodec.Outcome.Done(applied.result()));
          if (elementId != null) {
            recentResults.remember(elementId, applied.result());
          }
          logs.add(applied.logApplied());
        }
      }
      updateLastAppliedTermIndex(termIndex);
    } finally {
      lock.writeLock().unlock();
    }
    logs.forEach(Runnable::run);
    return CompletableFuture.completedFuture(
        Message.valueOf(ByteString.copyFrom(BatchCodec.encodeOutcomes(outcomes))));
  }

  /** A command's encoded result, and what to log about it once the lock is released. */
  private record Applied(byte[] result, Runnable logApplied) {}

  /**
   * Decodes one command (of any kind) into the step that applies it; call that step with the write
   * lock held.
   *
   * @throws IllegalArgumentException if the bytes are no command. The HTTP layer only proposes
   *     valid commands, so this is corruption or a newer format; refusing it (and not throwing
   *     from apply, which would stop the server) keeps the replica alive, and every replica refuses
   *     the same bytes identically.
   */
  private Supplier<Applied> prepare(TermIndex termIndex, byte[] data) {
    if (LockCodec.isLockCommand(data)) {
      return prepared(LockCodec.decodeCommand(data), c -> state.apply(c), LockCodec::encodeResult,
          result -> {
            if (result instanceof LockResult.Granted g) {
              LOG.debug("event=lock_granted index={} lock={} owner={} token={} expiresAtMs={}",
                  termIndex.getIndex(), g.lease().name(), g.lease().owner(), g.lease().token(),
                  g.lease().expiresAtMs());
            }
          });
    }
    if (KeyspaceCodec.isKeyspaceCommand(data)) {
      return prepared(KeyspaceCodec.decodeCommand(data), c -> state.apply(c),
          KeyspaceCodec::encodeResult, result -> {
            if (result instanceof KeyspaceResult.Declared d) {
              LOG.info("event=keyspace_declared index={} keyspace={} mode={} merge={} created={}",
                  termIndex.getIndex(), d.keyspace().name(), d.keyspace().mode(),
                  d.keyspace().merge().map(Enum::name).orElse("-"), d.created());
            }
          });
    }
    return prepared(KvCodec.decodeCommand(data), c -> state.apply(c), KvCodec::encodeResult,
        result -> { });
  }

  private static <C, R> Supplier<Applied> prepared(C command, Function<C, R> applyToState,
      Function<R, byte[]> encode, Consumer<R> logApplied) {
    return () -> {
      R result = applyToState.apply(command);
      return new Applied(encode.apply(result), () -> logApplied.accept(result));
    };
  }

  private CompletableFuture<Message> undecodable(TermIndex termIndex, IllegalArgumentException e) {
    LOG.error("event=apply_undecodable index={} error={}", termIndex.getIndex(), e.getMessage());
    updateLastAppliedTermIndex(termIndex);
    return CompletableFuture.failedFuture(e);
  }

  /** The client request an entry came from, or null for entries without one. */
  private static AppliedRequests.RequestId requestId(LogEntryProto entry) {
    ByteString client = entry.getStateMachineLogEntry().getClientId();
    if (client.isEmpty()) {
      return null;
    }
    return new AppliedRequests.RequestId(client.toByteArray(), entry.getStateMachineLogEntry().getCallId());
  }

  /** Call with the write lock held. */
  private boolean firstApplication(AppliedRequests.RequestId requestId) {
    return requestId == null || state.appliedRequests().firstApplication(requestId);
  }

  /**
   * A request that reached the log twice (a consensus-client retry across a leader change) is not
   * applied again. Its second reply is "outcome unknown", which is true for whoever still waits on
   * it: the request took effect once, at its first copy, whose result was already sent.
   */
  private CompletableFuture<Message> duplicate(TermIndex termIndex, AppliedRequests.RequestId requestId) {
    LOG.warn("event=duplicate_request_skipped index={} request={}", termIndex.getIndex(), requestId);
    return CompletableFuture.failedFuture(new IllegalStateException(
        "request " + requestId + " was already applied; not applying it twice"));
  }

  /**
   * Where writes forwarded by other nodes go ({@link #queryStale}): the registry's write path on
   * this node. Unset, forwards are refused and their senders try the leader they know.
   */
  void acceptForwardsWith(Function<byte[], CompletableFuture<byte[]>> handler) {
    this.forwardHandler = handler;
  }

  /**
   * Receives forwarded writes as well as stale reads. A follower sends its batch of writes to the
   * leader as a stale read (a request that is neither logged nor read-indexed, {@link
   * BatchCodec#isForward}) so that the leader merges it into its own round; the writes are then
   * logged and applied like any other (see {@code RatisRegistry}). Anything else is a stale read.
   */
  @Override
  public CompletableFuture<Message> queryStale(Message request, long minIndex) {
    ByteString content = request.getContent();
    if (content.isEmpty() || content.byteAt(0) != BatchCodec.FORWARD_MAGIC) {
      return super.queryStale(request, minIndex);
    }
    Function<byte[], CompletableFuture<byte[]>> handler = forwardHandler;
    CompletableFuture<byte[]> answer = handler == null
        ? CompletableFuture.completedFuture(BatchCodec.forwardRefused())
        : handler.apply(content.toByteArray());
    return answer.thenApply(bytes -> Message.valueOf(UnsafeByteOperations.unsafeWrap(bytes)));
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    byte[] bytes = request.getContent().toByteArray();
    if (BatchCodec.isBatch(bytes)) {
      return queryBatch(bytes);
    }
    RegistryCodec.Query query;
    try {
      query = RegistryCodec.decodeQuery(bytes);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    byte[] answer;
    lock.readLock().lock();
    try {
      answer = answer(query);
    } finally {
      lock.readLock().unlock();
    }
    return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(answer)));
  }

  /** Queries batched into one read-index round, answered from one consistent view. */
  private CompletableFuture<Message> queryBatch(byte[] bytes) {
    List<byte[]> elements;
    try {
      elements = BatchCodec.decode(bytes);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    List<Object> queries = new ArrayList<>(elements.size());
    for (byte[] element : elements) {
      try {
        queries.add(RegistryCodec.decodeQuery(element));
      } catch (IllegalArgumentException e) {
        queries.add(new BatchCodec.Outcome.Failed("undecodable query: " + e.getMessage()));
      }
    }
    List<BatchCodec.Outcome> outcomes = new ArrayList<>(queries.size());
    lock.readLock().lock();
    try {
      for (Object q : queries) {
        outcomes.add(q instanceof RegistryCodec.Query query
            ? new BatchCodec.Outcome.Done(answer(query))
            : (BatchCodec.Outcome) q);
      }
    } finally {
      lock.readLock().unlock();
    }
    return CompletableFuture.completedFuture(
        Message.valueOf(ByteString.copyFrom(BatchCodec.encodeOutcomes(outcomes))));
  }

  /** Call with the read lock held. */
  private byte[] answer(RegistryCodec.Query query) {
    return query.kind() == RegistryCodec.QueryKind.KEY
        ? KvCodec.encodeQueryAnswer(state.kv().get(query.name()))
        : RegistryCodec.encodeGuardedAnswer(state.locks().guarded(query.name()));
  }

  /** Reads local applied state, with the index it reflects. */
  ReadAtIndex readLocal(String key) {
    lock.readLock().lock();
    try {
      return new ReadAtIndex(state.kv().get(key), getLastAppliedTermIndex().getIndex());
    } finally {
      lock.readLock().unlock();
    }
  }

  record ReadAtIndex(Optional<KvEntry> entry, long index) {}

  /** A lock's lease record from local applied state, with the local replicated clock and index. */
  LocalLockRead readLockLocal(String name) {
    lock.readLock().lock();
    try {
      return new LocalLockRead(
          state.locks().lease(name), state.locks().clockMs(), getLastAppliedTermIndex().getIndex());
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The keyspace declarations from local applied state, with the index they reflect. */
  LocalKeyspaces keyspacesLocal() {
    lock.readLock().lock();
    try {
      return new LocalKeyspaces(state.keyspaces().all(), getLastAppliedTermIndex().getIndex());
    } finally {
      lock.readLock().unlock();
    }
  }

  /** A guarded resource from local applied state, with the index it reflects. */
  LocalGuardedRead readGuardedLocal(String resource) {
    lock.readLock().lock();
    try {
      return new LocalGuardedRead(
          state.locks().guarded(resource), getLastAppliedTermIndex().getIndex());
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public long takeSnapshot() throws IOException {
    RegistryState copy;
    TermIndex last;
    lock.readLock().lock();
    try {
      last = getLastAppliedTermIndex();
      // Copy under the lock, write outside it, so apply is blocked only for the copy.
      copy = state.copy();
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
      RegistryCodec.writeSnapshot(copy, out);
      out.flush();
      channel.force(true);
    }
    Files.move(tmp, target.toPath(), StandardCopyOption.ATOMIC_MOVE);
    fsyncDirectory(target.toPath().getParent());
    MD5Hash digest = MD5FileUtil.computeAndSaveMd5ForFile(target);
    storage.updateLatestSnapshot(
        new SingleFileSnapshotInfo(new FileInfo(target.toPath(), digest), last));
    LOG.info("event=snapshot_taken term={} index={} keys={} locks={} guarded={} revision={} clockMs={}",
        last.getTerm(), last.getIndex(), copy.kv().size(), copy.locks().leases().size(),
        copy.locks().guardedValues().size(), copy.revision(), copy.locks().clockMs());
    return last.getIndex();
  }

  private void loadLatestSnapshot() throws IOException {
    SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
    if (snapshot == null) {
      return;
    }
    Path file = snapshot.getFile().getPath();
    RegistryState loaded;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      loaded = RegistryCodec.readSnapshot(in);
    }
    lock.writeLock().lock();
    try {
      state = loaded;
      setLastAppliedTermIndex(snapshot.getTermIndex());
    } finally {
      lock.writeLock().unlock();
    }
    LOG.info("event=snapshot_loaded index={} keys={} locks={} revision={} clockMs={}",
        snapshot.getIndex(), loaded.kv().size(), loaded.locks().leases().size(), loaded.revision(),
        loaded.locks().clockMs());
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
