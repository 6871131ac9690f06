package io.splitguard.cli;

import io.splitguard.chaos.run.ClusterLauncher;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The failover benchmark: one client writes continuously through a follower while the harness
 * kills (SIGKILL) or pauses (SIGSTOP) the leader; the client's record gives the {@link
 * FailoverWindow}. After each repeat the failed member is restarted or resumed, the cluster is
 * waited for until every member serves writes again, and every acknowledged write is read back
 * (linearizable) and compared with what was written: an acknowledged write that is missing or
 * different is counted as lost.
 *
 * <p>The same code drives SplitGuard and etcd; only the {@link ClusterLauncher} and the {@link
 * KvProtocol} differ. The client writes to a follower so that what is measured is the cluster's
 * own recovery (election, then forwarding to the new leader), not how quickly a client library
 * notices a dead endpoint. Its request timeout bounds how long it waits for one answer, and so
 * the measurement's resolution: a write sent just before recovery may hang until it times out.
 */
final class FailoverBench {

  /** How the leader is failed. */
  enum Fault {
    /** SIGKILL, then a restart on the same data directory. */
    KILL,
    /**
     * SIGSTOP, then SIGCONT. On loopback this also stands in for isolating the leader: it stops
     * answering everyone, but, unlike a real partition, it cannot notice that it lost its quorum.
     */
    PAUSE;

    String cliName() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Optional<Fault> parse(String text) {
      for (Fault f : values()) {
        if (f.cliName().equals(text.strip().toLowerCase(Locale.ROOT))) {
          return Optional.of(f);
        }
      }
      return Optional.empty();
    }
  }

  /**
   * How a run goes.
   *
   * @param fault what is done to the leader
   * @param repeats how many faults, one after the other
   * @param before how long the client writes before the fault
   * @param after how long it goes on writing once a write sent after the fault was acknowledged
   * @param requestTimeout bound of one request
   * @param recoveryTimeout how long to wait for a write after the fault before giving up on it
   * @param healTimeout how long to wait for the cluster to serve writes on every member again
   */
  record Settings(
      Fault fault,
      int repeats,
      Duration before,
      Duration after,
      Duration requestTimeout,
      Duration recoveryTimeout,
      Duration healTimeout) {}

  /**
   * One fault's outcome.
   *
   * @param number 1-based
   * @param victim the id of the failed leader
   * @param windowNanos the window, or -1 if the client saw no write acknowledged after the fault
   * @param acknowledged writes acknowledged during the repeat
   * @param lost acknowledged writes not found with their value afterwards
   * @param unverified acknowledged writes that could not be read back (every read failed)
   * @param errors failed writes by code
   */
  record Repeat(
      int number,
      String victim,
      long windowNanos,
      long acknowledged,
      long lost,
      long unverified,
      Map<String, Long> errors) {}

  /** A pause after a failed write, so that a fast refusal does not turn the client into a spin. */
  private static final Duration ERROR_PAUSE = Duration.ofMillis(10);

  /** Polling interval while waiting for the cluster; a harness wait, not a test. */
  private static final Duration POLL = Duration.ofMillis(100);

  private final ClusterLauncher cluster;
  private final KvProtocol protocol;
  private final BenchHttp http;
  private final Settings settings;
  private final Consumer<String> progress;
  private final String runTag;

  FailoverBench(
      ClusterLauncher cluster,
      KvProtocol protocol,
      BenchHttp http,
      Settings settings,
      Consumer<String> progress) {
    this.cluster = cluster;
    this.protocol = protocol;
    this.http = http;
    this.settings = settings;
    this.progress = progress;
    // Keys unique to this run, so that a reused data directory cannot answer for them.
    this.runTag = Long.toString(System.currentTimeMillis(), 36);
  }

  /** Runs every repeat on a started cluster and returns their outcomes. */
  List<Repeat> run() throws IOException, InterruptedException {
    awaitHealthy();
    List<Repeat> repeats = new ArrayList<>();
    for (int r = 1; r <= settings.repeats(); r++) {
      repeats.add(repeat(r));
      awaitHealthy();
    }
    return repeats;
  }

  private Repeat repeat(int number) throws IOException, InterruptedException {
    int leader = leader();
    int via = (leader + 1) % cluster.size();
    String victim = cluster.nodeId(leader);
    Writer writer = new Writer(cluster.apiUrl(via), "failover-" + runTag + "-" + number + "-");
    Thread thread = new Thread(writer, "failover-writer");
    thread.setDaemon(true);
    thread.start();
    TimeUnit.NANOSECONDS.sleep(settings.before().toNanos());

    if (settings.fault() == Fault.KILL) {
      cluster.kill(leader); // returns once the process has ended
    } else {
      cluster.pause(leader); // returns once SIGSTOP is sent (by a separate kill process)
    }
    // The fault starts when it is in effect, not when we began to cause it: sending SIGSTOP
    // through kill(1) takes milliseconds, in which a fast store still acknowledges writes sent
    // after we started; counting those as "after the fault" measured etcd's pause window as 5 ms.
    long faultAt = System.nanoTime();
    progress.accept("  repeat " + number + ": " + (settings.fault() == Fault.KILL ? "killed" : "paused") + " leader "
        + victim + ", writing through " + cluster.nodeId(via));

    long giveUp = faultAt + settings.recoveryTimeout().toNanos();
    Optional<FailoverWindow.Window> window = Optional.empty();
    while (System.nanoTime() < giveUp) {
      window = FailoverWindow.of(writer.snapshot(), faultAt);
      if (window.isPresent()) {
        break;
      }
      TimeUnit.MILLISECONDS.sleep(20); // how often to look for the first write after the fault
    }
    if (window.isPresent()) {
      TimeUnit.NANOSECONDS.sleep(settings.after().toNanos());
    }
    writer.stop();
    thread.join();

    if (settings.fault() == Fault.KILL) {
      cluster.start(leader);
    } else {
      cluster.resume(leader);
    }
    awaitHealthy();
    long[] check = verify(writer.acknowledged());
    Repeat r = new Repeat(number, victim, window.map(FailoverWindow.Window::nanos).orElse(-1L),
        writer.acknowledged().size(), check[0], check[1], writer.errors());
    progress.accept("  repeat " + number + ": window "
        + (r.windowNanos() < 0 ? "not closed within " + Output.duration(settings.recoveryTimeout())
            : String.format(Locale.ROOT, "%.0f ms", r.windowNanos() / 1e6))
        + ", " + r.acknowledged() + " acknowledged writes, " + r.lost() + " lost"
        + (r.unverified() > 0 ? ", " + r.unverified() + " unverified" : ""));
    return r;
  }

  /** Reads every acknowledged write back; returns {lost, unverified}. */
  private long[] verify(List<String[]> acknowledged) throws InterruptedException {
    long lost = 0;
    long unverified = 0;
    for (String[] kv : acknowledged) {
      KvProtocol.Reply read = null;
      // A read can fail while the cluster settles; try each member before calling it unverified.
      for (int attempt = 0; attempt < 3 * cluster.size(); attempt++) {
        BenchHttp.Response r = http.send(cluster.apiUrl(attempt % cluster.size()),
            protocol.get(kv[0], false), settings.requestTimeout().multipliedBy(4));
        read = r.ioError() != null ? KvProtocol.Reply.failed(r.ioError())
            : protocol.readReply(r.status(), r.body());
        if (read.ok() || KvProtocol.NOT_FOUND.equals(read.error())) {
          break;
        }
        TimeUnit.NANOSECONDS.sleep(POLL.toNanos());
      }
      if (read.ok() ? !kv[1].equals(read.value()) : KvProtocol.NOT_FOUND.equals(read.error())) {
        lost++;
      } else if (!read.ok()) {
        unverified++;
      }
    }
    return new long[] {lost, unverified};
  }

  /**
   * The index of the one member that says it leads; waits until exactly one does.
   *
   * @throws IOException if none does within the heal timeout
   */
  private int leader() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + settings.healTimeout().toNanos();
    while (System.nanoTime() < deadline) {
      List<Integer> leaders = new ArrayList<>();
      for (int i = 0; i < cluster.size(); i++) {
        BenchHttp.Response r = http.send(cluster.apiUrl(i), protocol.status(), settings.requestTimeout());
        if (r.ioError() == null && protocol.isLeader(r.status(), r.body()).orElse(false)) {
          leaders.add(i);
        }
      }
      if (leaders.size() == 1) {
        return leaders.get(0);
      }
      TimeUnit.NANOSECONDS.sleep(POLL.toNanos());
    }
    throw new IOException("no single leader within " + Output.duration(settings.healTimeout()));
  }

  /**
   * Waits until every member accepts a write: then the next fault starts from a full cluster, so
   * that the remaining members are a majority.
   */
  private void awaitHealthy() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + settings.healTimeout().toNanos();
    int probe = 0;
    while (System.nanoTime() < deadline) {
      boolean all = true;
      for (int i = 0; i < cluster.size() && all; i++) {
        BenchHttp.Response r = http.send(cluster.apiUrl(i),
            protocol.put("failover-" + runTag + "-probe", Integer.toString(probe++)),
            settings.requestTimeout().multipliedBy(4));
        all = r.ioError() == null && protocol.writeReply(r.status(), r.body()).ok();
      }
      if (all) {
        leader();
        return;
      }
      TimeUnit.NANOSECONDS.sleep(POLL.toNanos());
    }
    throw new IOException("the cluster did not serve writes on every member within "
        + Output.duration(settings.healTimeout()) + "; see the member logs");
  }

  /** The continuously writing client: one write at a time, each to a key of its own. */
  private final class Writer implements Runnable {
    private final URI endpoint;
    private final String keyPrefix;
    private final List<FailoverWindow.Write> writes = new ArrayList<>();
    private final List<String[]> acknowledged = new ArrayList<>();
    private final Map<String, Long> errors = new TreeMap<>();
    private volatile boolean stopped;

    Writer(URI endpoint, String keyPrefix) {
      this.endpoint = endpoint;
      this.keyPrefix = keyPrefix;
    }

    @Override
    public void run() {
      try {
        for (long seq = 0; !stopped; seq++) {
          String key = keyPrefix + seq;
          String value = "v" + seq;
          long start = System.nanoTime();
          BenchHttp.Response r = http.send(endpoint, protocol.put(key, value), settings.requestTimeout());
          String error = r.ioError() != null ? r.ioError()
              : protocol.writeReply(r.status(), r.body()).error();
          long end = System.nanoTime();
          synchronized (this) {
            writes.add(new FailoverWindow.Write(start, end, error == null));
            if (error == null) {
              acknowledged.add(new String[] {key, value});
            } else {
              errors.merge(error, 1L, Long::sum);
            }
          }
          if (error != null) {
            TimeUnit.NANOSECONDS.sleep(ERROR_PAUSE.toNanos());
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void stop() {
      stopped = true;
    }

    synchronized List<FailoverWindow.Write> snapshot() {
      return List.copyOf(writes);
    }

    synchronized List<String[]> acknowledged() {
      return List.copyOf(acknowledged);
    }

    synchronized Map<String, Long> errors() {
      return Map.copyOf(errors);
    }
  }
}
