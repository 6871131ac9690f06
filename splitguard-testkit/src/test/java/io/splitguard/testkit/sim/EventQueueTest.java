package io.splitguard.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The primitive heap against {@link PriorityQueue} as an oracle, ties included. */
class EventQueueTest {
  private record Event(long time, long seq, long payload) {}

  @Test
  void popsInTimeThenInsertionOrder_likeAPriorityQueue() {
    qt().withExamples(300).forAll(longs().all(), integers().between(1, 2000))
        .checkAssert((seed, ops) -> {
          SplittableRandom random = new SplittableRandom(seed);
          EventQueue queue = new EventQueue(1);
          PriorityQueue<Event> oracle = new PriorityQueue<>((a, b) -> a.time() != b.time()
              ? Long.compare(a.time(), b.time()) : Long.compare(a.seq(), b.seq()));
          long seq = 0;
          // Few distinct times, so that ties are common.
          int times = 1 + random.nextInt(50);
          for (int i = 0; i < ops; i++) {
            if (random.nextInt(3) > 0 || oracle.isEmpty()) {
              long time = random.nextInt(times);
              long payload = random.nextLong();
              queue.push(time, payload);
              oracle.add(new Event(time, seq++, payload));
            } else {
              Event expected = oracle.poll();
              assertThat(queue.peekTime()).as("seed %d op %d", seed, i).isEqualTo(expected.time());
              assertThat(queue.peekPayload()).as("seed %d op %d", seed, i)
                  .isEqualTo(expected.payload());
              queue.pop();
            }
            assertThat(queue.size()).isEqualTo(oracle.size());
          }
        });
  }

  @Test
  void anEmptyQueueRefusesToPeekOrPop() {
    EventQueue queue = new EventQueue(4);
    assertThat(queue.isEmpty()).isTrue();
    assertThatThrownBy(queue::peekTime).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(queue::pop).isInstanceOf(IllegalStateException.class);
  }
}
