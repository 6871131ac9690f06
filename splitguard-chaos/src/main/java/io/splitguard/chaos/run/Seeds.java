package io.splitguard.chaos.run;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Independent random streams derived from the one run seed, so that adding a random choice in the
 * workload does not shift the nemesis schedule (and the other way round).
 */
final class Seeds {
  private Seeds() {}

  /** A seed for the named stream of this run. */
  static long derive(long seed, String stream) {
    long h = 0xcbf29ce484222325L; // FNV-1a over the stream name: stable across JVMs, unlike hashCode()
    for (byte b : stream.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    return new SplittableRandom(seed ^ h).nextLong();
  }

  /** A generator for the named stream of this run. */
  static SplittableRandom random(long seed, String stream) {
    return new SplittableRandom(derive(seed, stream));
  }

  /** Uniform in [min, max]. */
  static long between(SplittableRandom random, long min, long max) {
    return max <= min ? min : min + random.nextLong(max - min + 1);
  }
}
