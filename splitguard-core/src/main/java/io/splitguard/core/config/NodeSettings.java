package io.splitguard.core.config;

import io.splitguard.core.detector.DetectorSettings;
import io.splitguard.core.fencing.FencingSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Per-node settings: timing, limits and storage policy. Every field has a default suited to a LAN
 * ({@link #defaults()}); {@link #validate()} checks the fields against each other and refuses
 * combinations that are unsafe, saying why with the numbers.
 *
 * @param heartbeatInterval how often this node sends a failure-detector heartbeat to every peer
 *     (default 100 ms)
 * @param electionTimeoutMin shortest Raft election timeout (default 1000 ms); a follower that
 *     hears nothing from the leader for a random time in [min, max] starts an election
 * @param electionTimeoutMax longest Raft election timeout (default 2000 ms)
 * @param phiThreshold suspicion level at which a peer counts as unreachable (default 8)
 * @param minStdDeviation floor of the detector's fitted deviation (default 100 ms)
 * @param acceptablePause silence tolerated before suspicion rises (default 500 ms)
 * @param requestTimeout how long a node waits for a CP write or linearizable read to complete
 *     before answering {@code TIMEOUT} (outcome unknown) (default 5 s)
 * @param maxKeyBytes largest key, in UTF-8 bytes (default 512)
 * @param maxValueBytes largest value, in UTF-8 bytes (default 1 MiB)
 * @param snapshotThresholdEntries log entries after which a snapshot is taken automatically
 *     (default 10000)
 * @param fencing self-fencing: lease, clock drift, actuator timeout, pause threshold, fence file
 *     and command (defaults: {@link FencingSettings#defaults()})
 */
public record NodeSettings(
    Duration heartbeatInterval,
    Duration electionTimeoutMin,
    Duration electionTimeoutMax,
    double phiThreshold,
    Duration minStdDeviation,
    Duration acceptablePause,
    Duration requestTimeout,
    int maxKeyBytes,
    int maxValueBytes,
    long snapshotThresholdEntries,
    FencingSettings fencing) {

  /** Largest value we allow configuring; the Raft transport's message limit is sized from it. */
  public static final int MAX_VALUE_BYTES_CEILING = 16 * 1024 * 1024;

  /** Largest key we allow configuring. */
  public static final int MAX_KEY_BYTES_CEILING = 64 * 1024;

  /** Null checks only; cross-field rules live in {@link #validate()}. */
  public NodeSettings {
    Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
    Objects.requireNonNull(electionTimeoutMin, "electionTimeoutMin");
    Objects.requireNonNull(electionTimeoutMax, "electionTimeoutMax");
    Objects.requireNonNull(minStdDeviation, "minStdDeviation");
    Objects.requireNonNull(acceptablePause, "acceptablePause");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(fencing, "fencing");
  }

  /** Settings with the default fencing. */
  public NodeSettings(
      Duration heartbeatInterval, Duration electionTimeoutMin, Duration electionTimeoutMax,
      double phiThreshold, Duration minStdDeviation, Duration acceptablePause, Duration requestTimeout,
      int maxKeyBytes, int maxValueBytes, long snapshotThresholdEntries) {
    this(heartbeatInterval, electionTimeoutMin, electionTimeoutMax, phiThreshold, minStdDeviation,
        acceptablePause, requestTimeout, maxKeyBytes, maxValueBytes, snapshotThresholdEntries,
        FencingSettings.defaults());
  }

  /** A copy with other fencing settings. */
  public NodeSettings withFencing(FencingSettings newFencing) {
    return new NodeSettings(heartbeatInterval, electionTimeoutMin, electionTimeoutMax, phiThreshold,
        minStdDeviation, acceptablePause, requestTimeout, maxKeyBytes, maxValueBytes,
        snapshotThresholdEntries, newFencing);
  }

  /** Defaults for a LAN. */
  public static NodeSettings defaults() {
    return new NodeSettings(
        Duration.ofMillis(100),
        Duration.ofMillis(1000),
        Duration.ofMillis(2000),
        8.0,
        Duration.ofMillis(100),
        Duration.ofMillis(500),
        Duration.ofSeconds(5),
        512,
        1024 * 1024,
        10_000,
        FencingSettings.defaults());
  }

  /** The longest lock lease the API grants, whatever the election timeouts: one hour. */
  public static final Duration MAX_LOCK_TTL = Duration.ofHours(1);

  /**
   * The shortest lock lease the API grants: twice {@code electionTimeoutMax}. A holder that keeps
   * its lease alive every third of its TTL then still has keep-alive attempts left after a
   * leader election; a shorter lease would be lost on every failover.
   */
  public Duration minLockTtl() {
    return electionTimeoutMax.multipliedBy(2);
  }

  /** The longest lock lease the API grants: {@link #MAX_LOCK_TTL}, or {@link #minLockTtl()} if longer. */
  public Duration maxLockTtl() {
    Duration min = minLockTtl();
    return min.compareTo(MAX_LOCK_TTL) > 0 ? min : MAX_LOCK_TTL;
  }

  /** The failure-detector tuning these settings imply. */
  public DetectorSettings detector() {
    return new DetectorSettings(heartbeatInterval, phiThreshold, minStdDeviation, acceptablePause, 1000);
  }

  /**
   * How long to tell a refused client to wait before retrying: one maximum election timeout,
   * rounded up to whole seconds (the unit of {@code Retry-After}).
   */
  public long retryAfterSeconds() {
    return Math.max(1, (electionTimeoutMax.toMillis() + 999) / 1000);
  }

  /**
   * Checks every field and every rule between fields.
   *
   * @throws InvalidConfigException listing every problem found, each with the field name and the
   *     numbers involved
   */
  public NodeSettings validate() {
    List<String> problems = new ArrayList<>();
    positive(problems, "heartbeatInterval", heartbeatInterval);
    positive(problems, "electionTimeoutMin", electionTimeoutMin);
    positive(problems, "electionTimeoutMax", electionTimeoutMax);
    positive(problems, "minStdDeviation", minStdDeviation);
    positive(problems, "requestTimeout", requestTimeout);
    if (acceptablePause.isNegative()) {
      problems.add("acceptablePause must not be negative, got " + ms(acceptablePause));
    }
    if (!(phiThreshold >= 1 && phiThreshold <= 50)) {
      problems.add("phiThreshold must be between 1 and 50, got " + phiThreshold);
    }
    if (maxKeyBytes < 1 || maxKeyBytes > MAX_KEY_BYTES_CEILING) {
      problems.add("maxKeyBytes must be 1.." + MAX_KEY_BYTES_CEILING + ", got " + maxKeyBytes);
    }
    if (maxValueBytes < 0 || maxValueBytes > MAX_VALUE_BYTES_CEILING) {
      problems.add("maxValueBytes must be 0.." + MAX_VALUE_BYTES_CEILING + ", got " + maxValueBytes);
    }
    if (snapshotThresholdEntries < 100) {
      problems.add("snapshotThresholdEntries must be at least 100, got " + snapshotThresholdEntries);
    }
    if (problems.isEmpty()) {
      crossChecks(problems);
    }
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    return this;
  }

  private void crossChecks(List<String> problems) {
    fencing.check(electionTimeoutMin, problems);
    if (electionTimeoutMax.compareTo(electionTimeoutMin) <= 0) {
      problems.add("electionTimeoutMax (" + ms(electionTimeoutMax) + ") must be greater than "
          + "electionTimeoutMin (" + ms(electionTimeoutMin) + "): the random spread between them "
          + "is what stops candidates from splitting the vote forever");
    }
    if (heartbeatInterval.multipliedBy(3).compareTo(electionTimeoutMin) > 0) {
      problems.add("heartbeatInterval (" + ms(heartbeatInterval) + ") must be at most a third of "
          + "electionTimeoutMin (" + ms(electionTimeoutMin) + "): a detector that samples less "
          + "often cannot see a failure before Raft acts on it");
    }
    Duration detection = detector().detectionBound();
    if (detection.compareTo(electionTimeoutMax) > 0) {
      problems.add("failure detection takes up to " + ms(detection) + " (heartbeatInterval "
          + ms(heartbeatInterval) + " + acceptablePause " + ms(acceptablePause) + " + phi "
          + phiThreshold + " at minStdDeviation " + ms(minStdDeviation) + "), longer than "
          + "electionTimeoutMax (" + ms(electionTimeoutMax) + "): a node cut off from the "
          + "majority would keep accepting requests after the majority may have elected a new "
          + "leader");
    }
    if (requestTimeout.compareTo(electionTimeoutMax.multipliedBy(2)) < 0) {
      problems.add("requestTimeout (" + ms(requestTimeout) + ") must be at least twice "
          + "electionTimeoutMax (" + ms(electionTimeoutMax) + "): a write must be able to wait "
          + "out a leader election, or every failover turns into unknown outcomes");
    }
  }

  private static void positive(List<String> problems, String field, Duration d) {
    if (d.isNegative() || d.isZero()) {
      problems.add(field + " must be positive, got " + ms(d));
    }
  }

  private static String ms(Duration d) {
    return d.toMillis() + " ms";
  }
}
