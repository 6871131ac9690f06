package io.splitguard.server.fencing;

import io.splitguard.core.registry.LeadershipView;
import java.util.concurrent.CompletableFuture;

/** The consensus layer as self-fencing needs it: who leads, and a way to step down. */
public interface LeadershipSource {

  /** This node's leadership right now. */
  LeadershipView leadership();

  /** Gives up leadership of {@code term}, if still held. */
  CompletableFuture<Void> stepDown(long term);
}
