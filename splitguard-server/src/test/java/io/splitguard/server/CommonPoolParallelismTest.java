package io.splitguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CommonPoolParallelismTest {

  @Test
  void oneAndTwoCoreMachinesGetTwoThreadsAndLargerOnesKeepTheJvmDefault() {
    assertThat(CommonPoolParallelism.valueToSet(null, 1)).contains("2");
    assertThat(CommonPoolParallelism.valueToSet(null, 2)).contains("2");
    assertThat(CommonPoolParallelism.valueToSet(null, 3)).isEmpty();
    assertThat(CommonPoolParallelism.valueToSet(null, 64)).isEmpty();
  }

  @Test
  void anOperatorsChoiceIsNeverOverridden() {
    assertThat(CommonPoolParallelism.valueToSet("1", 2)).isEmpty();
    assertThat(CommonPoolParallelism.valueToSet("8", 1)).isEmpty();
  }

  @Test
  void aSingleThreadPoolIsReportedWithTheFix() {
    assertThat(CommonPoolParallelism.problem(2)).isEmpty();
    assertThat(CommonPoolParallelism.problem(1)).get().asString()
        .contains("new thread for every log append")
        .contains("-Djava.util.concurrent.ForkJoinPool.common.parallelism=2");
  }
}
