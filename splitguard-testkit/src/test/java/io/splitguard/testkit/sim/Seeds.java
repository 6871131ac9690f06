package io.splitguard.testkit.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

/**
 * The seeds a simulation test runs with: a fixed list, so CI is reproducible, plus a few fresh
 * random ones, so that over many builds more of the space is covered. {@code -Dsim.seeds=7,8}
 * replaces both with exactly the given seeds (to replay a failure); every assertion message of a
 * simulation test names its seed.
 */
final class Seeds {
  private Seeds() {}

  static LongStream of(long... fixed) {
    return withRandom(2, fixed);
  }

  static LongStream withRandom(int random, long... fixed) {
    String override = System.getProperty("sim.seeds");
    if (override != null && !override.isBlank()) {
      return java.util.Arrays.stream(override.split(",")).mapToLong(s -> Long.parseLong(s.strip()));
    }
    List<Long> seeds = new ArrayList<>();
    for (long f : fixed) {
      seeds.add(f);
    }
    // A fresh seed per build on purpose; it is printed by every failing assertion.
    SplittableRandom fresh = new SplittableRandom();
    for (int i = 0; i < random; i++) {
      seeds.add(fresh.nextLong());
    }
    return seeds.stream().mapToLong(Long::longValue);
  }

  /** The prefix of every assertion message: how to replay. */
  static String replay(long seed) {
    return "seed " + seed + " (replay with -Dsim.seeds=" + seed + ")";
  }
}
