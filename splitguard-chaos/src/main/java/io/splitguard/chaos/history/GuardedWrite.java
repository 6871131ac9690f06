package io.splitguard.chaos.history;

import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A write to a guarded (fenced) register that the cluster accepted: {@code PUT
 * /v1/guarded/{resource}} answered 200. One JSON line of the guarded-writes file:
 *
 * <pre>{@code
 * {"resource": "r1", "token": 42, "value": "w-17", "time": 981234, "process": 3, "invokeTime": 970001}
 * }</pre>
 *
 * <p>Lines are in the order the acknowledgements were received. {@code invokeTime} (when the
 * request was sent) is optional; without it the fencing checker falls back to the process's
 * previous acknowledgement as the earliest possible send time.
 *
 * @param resource the guarded resource
 * @param token the fencing token presented
 * @param value the value written (may be null)
 * @param time when the acknowledgement was received (nanoseconds)
 * @param process the client process, when known
 * @param invokeTime when the request was sent (nanoseconds), when known
 */
public record GuardedWrite(
    String resource, long token, String value, long time, OptionalInt process, OptionalLong invokeTime) {

  /** Validates the fields. */
  public GuardedWrite {
    Objects.requireNonNull(resource, "resource");
    Objects.requireNonNull(process, "process");
    Objects.requireNonNull(invokeTime, "invokeTime");
    if (invokeTime.isPresent() && invokeTime.getAsLong() > time) {
      throw new IllegalArgumentException(
          "invokeTime " + invokeTime.getAsLong() + " is after the acknowledgement at " + time);
    }
  }

  /** A write with all fields known. */
  public static GuardedWrite of(
      String resource, long token, String value, int process, long invokeTime, long ackTime) {
    return new GuardedWrite(resource, token, value, ackTime, OptionalInt.of(process),
        OptionalLong.of(invokeTime));
  }
}
