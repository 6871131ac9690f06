package io.splitguard.chaos.check;

import io.splitguard.chaos.history.Operation;
import java.util.Locale;

/** Renderings of times and operations for reports. */
final class Times {
  private Times() {}

  /** A relative time in milliseconds with microsecond precision, e.g. {@code +12.345ms}. */
  static String offset(long nanos) {
    if (nanos == Long.MIN_VALUE) {
      return "?";
    }
    return String.format(Locale.ROOT, "%+.3fms", nanos / 1e6);
  }

  /** {@code time - start}, keeping the infinities. */
  static long relative(long time, long start) {
    if (time == Long.MAX_VALUE || time == Long.MIN_VALUE) {
      return time;
    }
    return time - start;
  }

  /** An operation as a window entry, times relative to {@code start}. */
  static WindowEntry entry(Operation op, long start, String note) {
    return new WindowEntry("p" + op.process(), op.call(), op.outcome().name().toLowerCase(Locale.ROOT),
        relative(op.invokeTime(), start), relative(op.endTime(), start), note);
  }

  /** A compact description for prose: {@code p3 write "v1" ok [+1.2ms, +2.0ms]}. */
  static String describe(Operation op, long start) {
    WindowEntry e = entry(op, start, "");
    return e.process() + " " + e.operation() + " (" + e.outcome() + ", " + offset(e.start())
        + " .. " + (e.end() == Long.MAX_VALUE ? "never" : offset(e.end())) + ")";
  }
}
