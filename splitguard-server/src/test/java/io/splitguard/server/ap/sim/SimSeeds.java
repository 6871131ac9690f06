package io.splitguard.server.ap.sim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

/**
 * The seeds a simulation test runs with: a fixed list, so CI is reproducible, plus a few fresh
 * random ones, so that over many builds more of the space is covered. {@code -Dsim.seeds=7,8}
 * replaces both with exactly the given seeds (to replay a failure); every assertion message names
 * its seed and this property.
 */
final class SimSeeds {
  private SimSeeds() {}

  static LongStream withRandom(int random, long... fixed) {
    String override = System.getProperty("sim.seeds");
    if (override != null && !override.isBlank()) {
      return Arrays.stream(override.split(",")).mapToLong(s -> Long.parseLong(s.strip()));
    }
    List<Long> seeds = new ArrayList<>();
    for (long f : fixed) {
      seeds.add(f);
    }
    // A fresh seed per build on purpose; every failing assertion prints it.
    SplittableRandom fresh = new SplittableRandom();
    for (int i = 0; i < random; i++) {
      seeds.add(fresh.nextLong());
    }
    return seeds.stream().mapToLong(Long::longValue);
  }

  /** The prefix of every assertion message: how to replay. */
  static String replay(long seed) {
    return "seed " + seed + " (replay: mvn -B -o test -pl splitguard-server -am -Dtest=ApSimulationTest"
        + " -Dsurefire.failIfNoSpecifiedTests=false -Dsim.seeds=" + seed + ")";
  }
}
