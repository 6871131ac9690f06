package io.splitguard.cli;

import java.util.Optional;

/**
 * Makes a node exit when the process that launched it ends, even if that process was killed with
 * SIGKILL and could not stop its children: {@code dev} must leave no process behind.
 */
final class ParentWatch {
  private ParentWatch() {}

  static void start(Long parentPid) {
    if (parentPid == null) {
      return;
    }
    Optional<ProcessHandle> parent = ProcessHandle.of(parentPid);
    if (parent.isEmpty()) {
      System.exit(SplitGuardCli.EXIT_FAILED);
    }
    // onExit() completes when the parent ends; System.exit runs the shutdown hook that closes the
    // node cleanly.
    parent.get().onExit().thenRun(() -> System.exit(0));
  }
}
