package io.splitguard.cli;

import picocli.CommandLine.Command;

/** Placeholder until implemented. */
@Command(name = "bench", description = "Not implemented yet.")
final class BenchCommand implements Runnable {
  @Override
  public void run() {
    throw new UnsupportedOperationException("bench is not implemented yet");
  }
}
