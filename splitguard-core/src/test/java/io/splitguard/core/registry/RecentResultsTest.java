package io.splitguard.core.registry;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecentResultsTest {
  private static AppliedRequests.RequestId id(long call) {
    return new AppliedRequests.RequestId(new byte[] {7}, call);
  }

  @Test
  void aRememberedResultIsAnsweredAndTheOldestGoFirstByCount() {
    RecentResults recent = new RecentResults(2, 1000);
    recent.remember(id(1), new byte[] {1});
    recent.remember(id(2), new byte[] {2});
    assertThat(recent.resultOf(id(1))).hasValueSatisfying(r -> assertThat(r).containsExactly(1));
    recent.remember(id(3), new byte[] {3});
    assertThat(recent.resultOf(id(1))).isEmpty();
    assertThat(recent.resultOf(id(2))).isPresent();
    assertThat(recent.resultOf(id(3))).isPresent();
    assertThat(recent.size()).isEqualTo(2);
    assertThat(recent.bytes()).isEqualTo(2);
  }

  @Test
  void largeResultsAreBoundedByBytes() {
    RecentResults recent = new RecentResults(100, 10);
    recent.remember(id(1), new byte[4]);
    recent.remember(id(2), new byte[4]);
    recent.remember(id(3), new byte[4]);
    assertThat(recent.resultOf(id(1))).isEmpty();
    assertThat(recent.bytes()).isEqualTo(8);
    recent.remember(id(4), new byte[11]); // larger than the whole memory: not kept, nothing evicted
    assertThat(recent.resultOf(id(4))).isEmpty();
    assertThat(recent.size()).isEqualTo(2);
    recent.remember(id(3), new byte[1]); // replacing adjusts the byte count
    assertThat(recent.bytes()).isEqualTo(5);
  }
}
