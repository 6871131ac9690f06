package io.splitguard.core.fencing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a node fences itself when it loses its quorum, and the timing that makes fencing happen
 * before the rest of the cluster can elect a new leader (see {@code docs/fencing.md}).
 *
 * @param lease how long a leader may go without answers from a majority to its Raft appends
 *     before it fences itself (default 750 ms). Must exceed Raft's heartbeat interval (half the
 *     minimum election timeout) with room to spare, or a healthy idle leader fences itself.
 * @param maxClockDrift how far two nodes' measurements of the same interval may disagree, plus
 *     one append round trip (default 50 ms)
 * @param actuatorTimeout how long the fence command may run before it is killed (default 150 ms)
 * @param pauseThreshold a scheduling gap longer than this counts as a process pause, after which
 *     the node fences itself and stays fenced for a quarantine (default 300 ms)
 * @param file the fence file: present only while this node leads with a quorum; a relative path
 *     is resolved against the node's data directory (default none)
 * @param command the fence command, program and arguments, run when this node fences itself
 *     (default none)
 */
public record FencingSettings(
    Duration lease,
    Duration maxClockDrift,
    Duration actuatorTimeout,
    Duration pauseThreshold,
    Optional<Path> file,
    List<String> command) {

  /**
   * How often the fencing loop looks at the node's leadership and quorum. Part of the fencing
   * bound: a lease can expire just after a look.
   */
  public static final Duration CHECK_INTERVAL = Duration.ofMillis(25);

  /** How often the pause watchdog wakes up to measure scheduling gaps. */
  public static final Duration PAUSE_TICK = Duration.ofMillis(20);

  /** Null checks; the command list is copied. */
  public FencingSettings {
    Objects.requireNonNull(lease, "lease");
    Objects.requireNonNull(maxClockDrift, "maxClockDrift");
    Objects.requireNonNull(actuatorTimeout, "actuatorTimeout");
    Objects.requireNonNull(pauseThreshold, "pauseThreshold");
    Objects.requireNonNull(file, "file");
    command = List.copyOf(command);
  }

  /** Defaults for a LAN with the default election timeouts; no fence file, no fence command. */
  public static FencingSettings defaults() {
    return new FencingSettings(Duration.ofMillis(750), Duration.ofMillis(50), Duration.ofMillis(150),
        Duration.ofMillis(300), Optional.empty(), List.of());
  }

  /** A copy with a fence file. */
  public FencingSettings withFile(Path fenceFile) {
    return new FencingSettings(lease, maxClockDrift, actuatorTimeout, pauseThreshold,
        Optional.of(fenceFile), command);
  }

  /** A copy with a fence command. */
  public FencingSettings withCommand(List<String> fenceCommand) {
    return new FencingSettings(lease, maxClockDrift, actuatorTimeout, pauseThreshold, file, fenceCommand);
  }

  /**
   * The time from the last answer of a majority to the moment every actuator has finished, at
   * worst: lease + check interval + clock drift + actuator timeout. Fence before elect requires it
   * to be shorter than the minimum election timeout.
   */
  public Duration fencingBound() {
    return lease.plus(CHECK_INTERVAL).plus(maxClockDrift).plus(actuatorTimeout);
  }

  /**
   * How long a node stays fenced after a pause: one lease. Messages buffered while the process
   * was stopped are processed at the resume and make contact look fresh; one lease later they
   * have aged past the lease, so any contact that then counts came after the pause. Unfencing
   * also needs fresh Raft evidence (see {@link FencingPolicy}), so a longer wait adds nothing.
   */
  public Duration quarantine() {
    return lease;
  }

  /**
   * Checks these settings against the election timeouts; adds one message per problem, each with
   * the numbers involved.
   */
  public void check(Duration electionTimeoutMin, List<String> problems) {
    if (lease.isNegative() || lease.isZero()) {
      problems.add("fencing.lease must be positive, got " + ms(lease));
    }
    if (maxClockDrift.isNegative()) {
      problems.add("fencing.maxClockDrift must not be negative, got " + ms(maxClockDrift));
    }
    if (actuatorTimeout.isNegative() || actuatorTimeout.isZero()) {
      problems.add("fencing.actuatorTimeout must be positive, got " + ms(actuatorTimeout));
    }
    if (pauseThreshold.compareTo(PAUSE_TICK.multipliedBy(2)) < 0) {
      problems.add("fencing.pauseThreshold must be at least " + ms(PAUSE_TICK.multipliedBy(2))
          + " (twice the watchdog's tick), got " + ms(pauseThreshold));
    }
    if (command.stream().anyMatch(String::isBlank)) {
      problems.add("fencing.command must not contain empty words, got " + command);
    }
    if (!problems.isEmpty()) {
      return;
    }
    Duration heartbeat = electionTimeoutMin.dividedBy(2);
    Duration minLease = heartbeat.plus(electionTimeoutMin.dividedBy(10));
    if (lease.compareTo(minLease) < 0) {
      problems.add("fencing.lease (" + ms(lease) + ") must be at least " + ms(minLease)
          + ": Raft's leader sends a heartbeat every electionTimeoutMin / 2 (" + ms(heartbeat)
          + "), so a shorter lease would expire between two heartbeats and fence a healthy leader");
    }
    if (fencingBound().compareTo(electionTimeoutMin) >= 0) {
      problems.add("fence before elect does not hold: fencing.lease " + ms(lease) + " + check interval "
          + ms(CHECK_INTERVAL) + " + fencing.maxClockDrift " + ms(maxClockDrift)
          + " + fencing.actuatorTimeout " + ms(actuatorTimeout) + " = " + ms(fencingBound())
          + " is not shorter than electionTimeoutMin (" + ms(electionTimeoutMin) + "): the majority could "
          + "elect a new leader before this one has fenced itself; shorten the lease or the actuator "
          + "timeout, or raise the election timeouts");
    }
    if (pauseThreshold.compareTo(lease) > 0) {
      problems.add("fencing.pauseThreshold (" + ms(pauseThreshold) + ") must not exceed fencing.lease ("
          + ms(lease) + "): a pause as long as the lease can outlive the leader's authority unnoticed");
    }
  }

  private static String ms(Duration d) {
    return d.toMillis() + " ms";
  }
}
