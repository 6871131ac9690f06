package io.splitguard.raft;

import io.splitguard.core.cluster.HostPort;
import io.splitguard.core.config.NodeSettings;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * Translates {@link NodeSettings} into Ratis properties. Every setting that affects safety,
 * timing or resource use is set here explicitly; Ratis' own defaults (storage in {@code /tmp},
 * 150-300 ms election timeouts, binding all interfaces) are never relied on.
 */
final class RatisProperties {
  private RatisProperties() {}

  /** Bytes of a log entry beyond the key and value: codec framing and protobuf envelope. */
  private static final int ENTRY_OVERHEAD_BYTES = 64 * 1024;

  static RaftProperties server(NodeSettings s, HostPort raftAddress, Path storageDir) {
    RaftProperties p = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(p, List.<File>of(storageDir.toFile()));

    GrpcConfigKeys.Server.setHost(p, raftAddress.host());
    GrpcConfigKeys.Server.setPort(p, raftAddress.port());
    // Admin and client services share the server port (-1), so one address per node suffices.
    GrpcConfigKeys.Admin.setPort(p, -1);
    GrpcConfigKeys.Client.setPort(p, -1);

    // Election timing from our validated settings. First election uses the same range: a
    // shorter first election would defeat the spread that prevents split votes on cold start.
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, td(s.electionTimeoutMin()));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, td(s.electionTimeoutMax()));
    RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, td(s.electionTimeoutMin()));
    RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, td(s.electionTimeoutMax()));
    RaftServerConfigKeys.Rpc.setRequestTimeout(p, td(s.requestTimeout()));
    RaftServerConfigKeys.Rpc.setSlownessTimeout(p, td(s.electionTimeoutMax().multipliedBy(30)));
    // Pre-vote stops a node returning from a partition from disrupting the leader with a
    // higher term.
    RaftServerConfigKeys.LeaderElection.setPreVote(p, true);
    // A leader that has not heard from a majority for the shortest election timeout steps
    // down: by then the majority may be electing a successor.
    RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(p, td(s.electionTimeoutMin()));

    // Linearizable reads through read index. While the leader holds its read lease it answers
    // the read index from its own commit index instead of a heartbeat round; without the lease, a
    // read right after a write waited up to one heartbeat (electionTimeoutMin / 2), because the
    // heartbeat it triggers cannot be acknowledged while an append is outstanding.
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, true);
    RaftServerConfigKeys.Read.setLeaderLeaseTimeoutRatio(p, readLeaseRatio(s));
    RaftServerConfigKeys.Read.setTimeout(p, td(s.requestTimeout()));

    // Durability: every acknowledged entry is fsynced on a majority before it is committed.
    RaftServerConfigKeys.Log.setUnsafeFlushEnabled(p, false);
    RaftServerConfigKeys.Log.setAsyncFlushEnabled(p, false);
    // No commit-index metadata entries: by default Ratis appends one after commits, which doubled
    // the entries every node appends, fsyncs and replicates per write (two forces per put, found
    // with JFR). They only let a restarted node apply up to the old commit index before it hears
    // a leader; without them it waits for the leader's next append, which commits the same
    // entries. Safety does not depend on them.
    RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(Math.max(8L << 20, 4L * entryMax(s))));
    RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf(4L << 20));
    // Ratis requires the write buffer to hold one full appender batch plus its 8-byte framing.
    long batchBytes = Math.max(4L << 20, entryMax(s));
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf(batchBytes));
    RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(batchBytes + 8));
    RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, true);
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(2L * Math.max(4L << 20, entryMax(s))));

    // Snapshots: automatic past the threshold; keep two; purge the log they cover.
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, s.snapshotThresholdEntries());
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    return p;
  }

  static RaftProperties client(NodeSettings s) {
    RaftProperties p = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(p, td(s.electionTimeoutMax()));
    // Enough in-flight requests for hundreds of concurrent HTTP clients.
    RaftClientConfigKeys.Async.setOutstandingRequestsMax(p, 4096);
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(2L * Math.max(4L << 20, entryMax(s))));
    return p;
  }

  /**
   * The read lease as a fraction of {@code electionTimeoutMin}: the fencing lease. Ratis holds the
   * lease while a majority has answered appends the leader <em>sent</em> less than
   * {@code ratio * electionTimeoutMin} ago. No other leader can exist before then: a follower that
   * received one of those appends refuses pre-votes for {@code electionTimeoutMin} after it, and
   * any new majority includes one of them. Using the fencing lease keeps one notion of "still the
   * leader" per node, and {@link NodeSettings#validate()} already requires it to end, with clock
   * drift and the actuator on top, before {@code electionTimeoutMin} (fence before elect).
   */
  static double readLeaseRatio(NodeSettings s) {
    double ratio = (double) s.fencing().lease().toMillis() / s.electionTimeoutMin().toMillis();
    if (!(ratio > 0 && ratio < 1)) {
      throw new IllegalArgumentException("fencing.lease (" + s.fencing().lease().toMillis()
          + " ms) must be shorter than electionTimeoutMin (" + s.electionTimeoutMin().toMillis()
          + " ms) to serve reads from a lease");
    }
    return ratio;
  }

  static long entryMax(NodeSettings s) {
    return (long) s.maxKeyBytes() + s.maxValueBytes() + ENTRY_OVERHEAD_BYTES;
  }

  static TimeDuration td(Duration d) {
    return TimeDuration.valueOf(d.toMillis(), TimeUnit.MILLISECONDS);
  }
}
