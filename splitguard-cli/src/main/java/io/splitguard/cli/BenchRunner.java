package io.splitguard.cli;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The load generator behind {@code splitguard bench}: closed-loop clients, each a thread that
 * issues one request at a time through {@link BenchHttp} and waits for its answer. What the
 * requests look like is the target's {@link KvProtocol} (SplitGuard or etcd); everything else,
 * threads, timing and error counting, is the same code for every target.
 *
 * <p>It deliberately bypasses {@link io.splitguard.client.SplitGuardClient}: a benchmark must
 * measure what the cluster does with each request, so it neither retries nor backs off nor
 * follows leader hints. Every failure is counted under its problem {@code code} (or a client-side
 * code such as {@code CONNECT_FAILED}) and the client moves on. Client {@code i} talks to
 * endpoint {@code i mod n}, so load spreads over the nodes round-robin and followers forward to
 * the leader as they would for any application (etcd members forward proposals the same way).
 *
 * <p>Latencies are those of successful operations only, recorded per client in a {@link
 * LatencyHistogram} and merged at the end of a phase so that recording never contends.
 */
final class BenchRunner implements AutoCloseable {

  /**
   * Pause after a failed connect. A dead node refuses connections in microseconds; without the
   * pause its clients would spin, burning the CPU the live clients need and inflating the error
   * count to a meaningless number.
   */
  static final Duration CONNECT_FAILURE_PAUSE = Duration.ofMillis(50);

  private static final String KEY_PREFIX = "bench-";
  private static final int PRELOAD_CONCURRENCY = 16;

  /**
   * What the runner needs to know about the cluster and the data.
   *
   * @param endpoints the nodes' base URIs, without trailing slash
   * @param requestTimeout bound of one HTTP request
   * @param keySpace keys are {@code bench-0 .. bench-(keySpace-1)}, chosen uniformly
   * @param valueSize length of each written value in bytes (ASCII letters)
   * @param seed seed of the clients' random choices, so a run's key sequence can be repeated
   * @param protocol how requests to the target look
   */
  record Settings(
      List<URI> endpoints, Duration requestTimeout, int keySpace, int valueSize, long seed,
      KvProtocol protocol) {}

  /**
   * A progress snapshot of a running phase.
   *
   * @param warmingUp whether the phase is still in its unmeasured warm-up
   * @param elapsedNanos time since measuring started (or since the warm-up started, while warming
   *     up)
   * @param ops successful measured operations so far
   * @param errors failed measured operations so far
   */
  record Snapshot(boolean warmingUp, long elapsedNanos, long ops, long errors) {}

  /** Receives a {@link Snapshot} about once per progress interval while a phase runs. */
  @FunctionalInterface
  interface Progress {
    void report(Snapshot snapshot);
  }

  /**
   * What one phase measured.
   *
   * @param target the target's name ({@code splitguard} or {@code etcd})
   * @param workload what each operation did
   * @param clients how many closed-loop clients ran
   * @param ops successful operations
   * @param errors failed operations by code, in code order
   * @param durationNanos time from the start of measuring until the last client finished
   * @param latency latencies of the successful operations
   */
  record Result(
      String target,
      Workload workload,
      int clients,
      long ops,
      Map<String, Long> errors,
      long durationNanos,
      LatencyHistogram latency) {

    /** The number of failed operations. */
    long errorCount() {
      return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Successful operations per second. */
    double throughput() {
      return durationNanos <= 0 ? 0 : ops * 1e9 / durationNanos;
    }
  }

  private final Settings settings;
  private final KvProtocol protocol;
  private final BenchHttp http;

  BenchRunner(Settings settings) {
    this.settings = settings;
    this.protocol = settings.protocol();
    Duration connect = settings.requestTimeout().compareTo(Duration.ofSeconds(1)) < 0
        ? settings.requestTimeout() : Duration.ofSeconds(1);
    this.http = new BenchHttp(connect);
  }

  @Override
  public void close() {
    http.close();
  }

  /**
   * Writes every key of the key space once, so that read workloads find them.
   *
   * @return failures by code; empty if every key was written
   */
  Map<String, Long> preload() throws InterruptedException {
    int threads = Math.min(PRELOAD_CONCURRENCY, settings.keySpace());
    AtomicLong next = new AtomicLong();
    Map<String, Long> errors = new TreeMap<>();
    List<Thread> started = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      URI endpoint = endpoint(i);
      String value = value(new SplittableRandom(settings.seed() ^ (0x9E3779B97F4A7C15L * (i + 1))));
      Thread t = new Thread(() -> {
        Map<String, Long> mine = new HashMap<>();
        try {
          for (long k = next.getAndIncrement(); k < settings.keySpace(); k = next.getAndIncrement()) {
            String code = put(endpoint, KEY_PREFIX + k, value);
            if (code != null) {
              mine.merge(code, 1L, Long::sum);
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        synchronized (errors) {
          mine.forEach((c, n) -> errors.merge(c, n, Long::sum));
        }
      }, "bench-preload-" + i);
      t.setDaemon(true);
      t.start();
      started.add(t);
    }
    for (Thread t : started) {
      t.join();
    }
    synchronized (errors) {
      return Map.copyOf(errors);
    }
  }

  /**
   * Runs one phase: {@code clients} closed-loop clients, first for {@code warmup} unmeasured, then
   * either for {@code duration} or until {@code ops} operations (successful or not) were issued.
   *
   * @param duration how long to measure, or null to run for {@code ops} operations
   * @param ops how many operations to measure when {@code duration} is null
   * @param progressEvery how often to call {@code progress}
   */
  Result run(
      Workload workload,
      int clients,
      Duration warmup,
      Duration duration,
      long ops,
      Duration progressEvery,
      Progress progress)
      throws InterruptedException {
    long start = System.nanoTime();
    long measureStart = start + warmup.toNanos();
    Phase phase = new Phase(
        measureStart,
        duration == null ? Long.MAX_VALUE : measureStart + duration.toNanos(),
        duration == null ? ops : 0,
        clients);
    List<Worker> workers = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      SplittableRandom random =
          new SplittableRandom(settings.seed() + 0x9E3779B97F4A7C15L * (i + 1) + clients);
      Worker w = new Worker(phase, workload, endpoint(i), random);
      Thread t = new Thread(w, "bench-client-" + i);
      t.setDaemon(true);
      workers.add(w);
      threads.add(t);
    }
    threads.forEach(Thread::start);
    try {
      long every = progressEvery.toNanos();
      long nextReport = start + every;
      while (!phase.done.await(Math.max(0, nextReport - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        long now = System.nanoTime();
        boolean warming = now < measureStart;
        progress.report(new Snapshot(
            warming, warming ? now - start : now - measureStart, phase.ops.sum(), phase.errors.sum()));
        nextReport += every;
      }
    } catch (InterruptedException e) {
      threads.forEach(Thread::interrupt);
      throw e;
    }
    long end = System.nanoTime();
    for (Thread t : threads) {
      t.join();
    }
    LatencyHistogram latency = new LatencyHistogram();
    Map<String, Long> errors = new TreeMap<>();
    long succeeded = 0;
    for (Worker w : workers) {
      latency.merge(w.latency);
      w.errors.forEach((c, n) -> errors.merge(c, n, Long::sum));
      succeeded += w.ops;
    }
    return new Result(
        protocol.name(), workload, clients, succeeded, errors, Math.max(1, end - measureStart), latency);
  }

  private URI endpoint(int client) {
    return settings.endpoints().get(client % settings.endpoints().size());
  }

  private String value(SplittableRandom random) {
    StringBuilder value = new StringBuilder(settings.valueSize());
    for (int i = 0; i < settings.valueSize(); i++) {
      value.append((char) ('a' + random.nextInt(26)));
    }
    return value.toString();
  }

  /** The shared state of one phase. */
  private static final class Phase {
    final long measureStart;
    final long measureEnd;
    final long opsLimit;
    final AtomicLong tickets = new AtomicLong();
    final LongAdder ops = new LongAdder();
    final LongAdder errors = new LongAdder();
    final CountDownLatch done;

    Phase(long measureStart, long measureEnd, long opsLimit, int clients) {
      this.measureStart = measureStart;
      this.measureEnd = measureEnd;
      this.opsLimit = opsLimit;
      this.done = new CountDownLatch(clients);
    }
  }

  /** One closed-loop client. Its counters are read only after its thread has ended. */
  private final class Worker implements Runnable {
    final Phase phase;
    final Workload workload;
    final URI endpoint;
    final SplittableRandom random;
    final String value;
    final LatencyHistogram latency = new LatencyHistogram();
    final Map<String, Long> errors = new HashMap<>();
    long ops;

    Worker(Phase phase, Workload workload, URI endpoint, SplittableRandom random) {
      this.phase = phase;
      this.workload = workload;
      this.endpoint = endpoint;
      this.random = random;
      this.value = BenchRunner.this.value(random);
    }

    @Override
    public void run() {
      try {
        loop();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        phase.done.countDown();
      }
    }

    private void loop() throws InterruptedException {
      while (!Thread.currentThread().isInterrupted()) {
        long start = System.nanoTime();
        boolean measured = start >= phase.measureStart;
        if (measured) {
          if (phase.opsLimit > 0) {
            // Tickets make the total exact however the clients race: each claims one per op.
            if (phase.tickets.incrementAndGet() > phase.opsLimit) {
              return;
            }
          } else if (start >= phase.measureEnd) {
            return;
          }
        }
        String error;
        try {
          error = operation();
        } catch (RuntimeException e) {
          // A bug here must show up in the results rather than silently stop one client.
          error = "CLIENT_" + e.getClass().getSimpleName();
        }
        long elapsed = System.nanoTime() - start;
        if (measured) {
          if (error == null) {
            ops++;
            latency.record(elapsed);
            phase.ops.increment();
          } else {
            errors.merge(error, 1L, Long::sum);
            phase.errors.increment();
          }
        }
        if (error != null && error.startsWith("CONNECT_")) {
          TimeUnit.NANOSECONDS.sleep(CONNECT_FAILURE_PAUSE.toNanos());
        }
      }
    }

    /** One operation; null on success, else the error code. */
    private String operation() throws InterruptedException {
      String key = KEY_PREFIX + random.nextInt(settings.keySpace());
      switch (workload) {
        case PUT:
          return put(endpoint, key, value);
        case GET:
          return get(endpoint, key, false).error();
        case STALE_GET:
          return get(endpoint, key, true).error();
        case MIXED:
          return random.nextInt(100) < Workload.MIXED_READ_PERCENT
              ? get(endpoint, key, false).error()
              : put(endpoint, key, value);
        case CAS:
          KvProtocol.Reply read = get(endpoint, key, false);
          if (!read.ok() && !read.error().equals(KvProtocol.NOT_FOUND)) {
            return read.error();
          }
          // A key deleted meanwhile is created only if it still does not exist (revision 0).
          return cas(endpoint, key, value, read.ok() ? read.revision() : 0);
        default:
          throw new IllegalStateException("unknown workload " + workload);
      }
    }
  }

  private String put(URI endpoint, String key, String value) throws InterruptedException {
    BenchHttp.Response r = http.send(endpoint, protocol.put(key, value), settings.requestTimeout());
    return r.ioError() != null ? r.ioError() : protocol.writeReply(r.status(), r.body()).error();
  }

  private String cas(URI endpoint, String key, String value, long expected)
      throws InterruptedException {
    BenchHttp.Response r = http.send(
        endpoint, protocol.compareAndSet(key, value, expected), settings.requestTimeout());
    return r.ioError() != null ? r.ioError() : protocol.casReply(r.status(), r.body()).error();
  }

  private KvProtocol.Reply get(URI endpoint, String key, boolean stale) throws InterruptedException {
    BenchHttp.Response r = http.send(endpoint, protocol.get(key, stale), settings.requestTimeout());
    return r.ioError() != null
        ? KvProtocol.Reply.failed(r.ioError()) : protocol.readReply(r.status(), r.body());
  }
}
