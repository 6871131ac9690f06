package io.splitguard.cli;

import picocli.CommandLine.Command;

/** Placeholder until implemented. */
@Command(name = "status", description = "Not implemented yet.")
final class StatusCommand implements Runnable {
  @Override
  public void run() {
    throw new UnsupportedOperationException("status is not implemented yet");
  }
}
