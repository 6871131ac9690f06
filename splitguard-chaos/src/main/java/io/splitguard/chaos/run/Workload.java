package io.splitguard.chaos.run;

import java.util.List;

/**
 * What the clients do during a run. {@link #runClient} is called on each of the K client threads
 * and loops until the deadline; each thread records its operations under a logical process id
 * ({@link ClientSession}), and after an {@code info} outcome it continues as a fresh process, as in
 * Jepsen, because the old one may still have an operation in flight. After the clients stopped and
 * the nemesis healed the cluster, {@link #finish} runs once (final reads).
 *
 * <p>Implementations: {@link RegisterWorkload} ({@code register}) and {@link LockWorkload} ({@code
 * locks}), which also records the guarded writes the cluster accepted in a second file ({@link
 * #recordsGuardedWrites()}).
 */
public interface Workload {

  /** The name used on the command line. */
  String name();

  /** The keys (or resources) the workload touches, for reports. */
  List<String> keys();

  /** One client thread's loop: returns when {@link WorkloadContext#pastDeadline()} holds. */
  void runClient(WorkloadContext context, ClientSession session) throws InterruptedException;

  /** Runs once after the run and the final heal, on the calling thread (e.g. final reads). */
  void finish(WorkloadContext context) throws InterruptedException;

  /**
   * Whether the workload records accepted guarded writes: if so, the run opens {@code
   * guarded.jsonl} and hands it over as {@link WorkloadContext#guarded()}, and the fencing check
   * reads it. False by default.
   */
  default boolean recordsGuardedWrites() {
    return false;
  }
}
