package io.splitguard.raft;

import io.splitguard.core.registry.AppliedRequests;
import io.splitguard.core.registry.BatchCodec.Element;
import io.splitguard.core.registry.BatchCodec.Outcome;
import io.splitguard.core.registry.OutcomeUnknownException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Natural batching of independent requests into consensus rounds, the way group commit batches
 * fsyncs: a request is sent at once while fewer than {@code maxInFlight} rounds are under way, so
 * a lone client pays no waiting; requests arriving while the rounds are full queue up and leave
 * together, as one round, the moment one finishes. Under load the batch grows with the load and
 * the per-request cost of a round (a log entry, its replication and fsync on every replica, the
 * apply hand-off, a reply) is shared by the whole batch.
 *
 * <p>Batching never reorders what one caller waits on: a request is sent only after it was
 * submitted, and requests whose futures completed while queued (the caller's timeout) are dropped
 * before sending: their answer was already "unknown", and a write that never reached the log did
 * not happen. Requests in one batch were all in flight together, so any order among them is one
 * a linearizable history allows.
 *
 * <p>Threads: a round's answer is handled on {@code completions}, never on the thread that
 * completed it. Ratis completes futures while holding its own locks (a read index is completed
 * inside the append-reply listener's monitor); sending the next round from there would submit to
 * Ratis under that lock and deadlock against its own client executor. The same hop keeps
 * callers' continuations off Ratis' threads.
 */
final class RequestBatcher {
  /** Sends one round: the requests' bytes, each as it would be alone, to one outcome each. */
  @FunctionalInterface
  interface Sender {
    /**
     * Sends {@code requests} as one round. The future fails if the round as a whole has no
     * answer; otherwise it holds one outcome per request, in order.
     */
    CompletableFuture<List<Outcome>> send(List<Element> requests);
  }

  /**
   * A kind of round, with its own sender and its own limit on rounds in flight. Which lane a round
   * takes is decided when it leaves. Rounds of one lane never hold back those of another: a
   * follower's forwards still waiting on a leader that died must not stop the rounds this node
   * sends once it leads itself, because those very forwards come back to it, as writes to put in
   * its rounds, when its router re-sends them to the new leader.
   */
  record Lane(String name, int maxInFlight, Sender sender) {
    Lane {
      if (maxInFlight < 1) {
        throw new IllegalArgumentException("lane " + name + ": rounds in flight must be positive");
      }
    }
  }

  private record Pending(Element request, CompletableFuture<byte[]> answer) {}

  private record Round(Lane lane, List<Pending> requests) {}

  private final Supplier<Lane> lane;
  private final int maxElements;
  private final long maxBytes;
  private final Executor completions;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private final Map<Lane, Integer> inFlight = new IdentityHashMap<>();

  /**
   * One lane.
   *
   * @param maxInFlight rounds sent and not yet answered, at most
   * @param maxElements requests per round, at most
   * @param maxBytes request bytes per round, at most; a larger request goes alone
   * @param completions where answers are handled and the next round is sent from
   */
  RequestBatcher(int maxInFlight, int maxElements, long maxBytes, Sender sender,
      Executor completions) {
    this(constant(new Lane("rounds", maxInFlight, sender)), maxElements, maxBytes, completions);
  }

  /**
   * Rounds in the lane {@code lane} names when each round leaves (it is asked under this
   * batcher's lock, so it must not block).
   */
  RequestBatcher(Supplier<Lane> lane, int maxElements, long maxBytes, Executor completions) {
    if (maxElements < 1 || maxBytes < 1) {
      throw new IllegalArgumentException("batch limits must be positive");
    }
    this.lane = lane;
    this.maxElements = maxElements;
    this.maxBytes = maxBytes;
    this.completions = completions;
  }

  private static Supplier<Lane> constant(Lane only) {
    return () -> only;
  }

  /**
   * Submits one request. The future holds its result bytes, or fails with the round's failure,
   * with an {@link IllegalStateException} naming why the request alone was refused, or with an
   * {@link OutcomeUnknownException} when whether it took effect is not known.
   */
  CompletableFuture<byte[]> submit(byte[] request) {
    return submit(request, null);
  }

  /**
   * As {@link #submit(byte[])}, for a request that must be applied at most once under {@code id}
   * (a write forwarded by another node), or null.
   */
  CompletableFuture<byte[]> submit(byte[] request, AppliedRequests.RequestId id) {
    CompletableFuture<byte[]> answer = new CompletableFuture<>();
    Round round;
    synchronized (this) {
      queue.add(new Pending(new Element(request, id), answer));
      round = takeRound();
    }
    if (round != null) {
      send(round);
    }
    return answer;
  }

  /** Requests queued and not yet sent. */
  synchronized int queued() {
    return queue.size();
  }

  /** Rounds of {@code lane} sent and not yet answered. */
  synchronized int inFlight(Lane lane) {
    return inFlight.getOrDefault(lane, 0);
  }

  /**
   * Call holding the lock. Returns null, and takes no round, when nothing is left to send or the
   * lane rounds would take now is full.
   */
  private Round takeRound() {
    Lane now = lane.get();
    int out = inFlight.getOrDefault(now, 0);
    if (out >= now.maxInFlight()) {
      return null;
    }
    List<Pending> batch = new ArrayList<>();
    long bytes = 0;
    while (!queue.isEmpty() && batch.size() < maxElements) {
      Pending next = queue.peek();
      if (next.answer().isDone()) {
        queue.poll();
        continue;
      }
      if (!batch.isEmpty() && bytes + next.request().bytes().length > maxBytes) {
        break;
      }
      queue.poll();
      batch.add(next);
      bytes += next.request().bytes().length;
    }
    if (batch.isEmpty()) {
      return null;
    }
    inFlight.put(now, out + 1);
    return new Round(now, batch);
  }

  private void send(Round round) {
    List<Pending> batch = round.requests();
    List<Element> requests = new ArrayList<>(batch.size());
    for (Pending p : batch) {
      requests.add(p.request());
    }
    CompletableFuture<List<Outcome>> answer;
    try {
      answer = round.lane().sender().send(requests);
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    answer.whenCompleteAsync((outcomes, failure) -> {
      complete(batch, outcomes, failure);
      Round next;
      synchronized (this) {
        inFlight.merge(round.lane(), -1, Integer::sum);
        next = takeRound();
      }
      if (next != null) {
        send(next);
      }
    }, completions);
  }

  private static void complete(List<Pending> batch, List<Outcome> outcomes, Throwable failure) {
    if (failure == null && outcomes.size() != batch.size()) {
      failure = new IllegalStateException(
          "round answered " + outcomes.size() + " outcomes for " + batch.size() + " requests");
    }
    for (int i = 0; i < batch.size(); i++) {
      CompletableFuture<byte[]> answer = batch.get(i).answer();
      if (failure != null) {
        answer.completeExceptionally(unwrap(failure));
      } else if (outcomes.get(i) instanceof Outcome.Done done) {
        answer.complete(done.result());
      } else if (outcomes.get(i) instanceof Outcome.Failed failed) {
        answer.completeExceptionally(new IllegalStateException(failed.reason()));
      } else {
        answer.completeExceptionally(
            new OutcomeUnknownException(((Outcome.Unknown) outcomes.get(i)).reason(), null));
      }
    }
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }
}
