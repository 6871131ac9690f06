package io.splitguard.cli;

import picocli.CommandLine.Command;

/** Placeholder until implemented. */
@Command(name = "kv", description = "Not implemented yet.")
final class KvCommands implements Runnable {
  @Override
  public void run() {
    throw new UnsupportedOperationException("kv is not implemented yet");
  }
}
