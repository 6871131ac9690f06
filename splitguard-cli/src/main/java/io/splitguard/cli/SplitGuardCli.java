package io.splitguard.cli;

import io.splitguard.server.CommonPoolParallelism;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code splitguard} command: runs nodes and a local dev cluster, and talks to a running
 * cluster. Exit codes: 0 success, 1 the operation was refused or failed, 2 bad usage or
 * configuration, 3 the outcome is unknown (a write that may or may not have been applied).
 */
@Command(
    name = "splitguard",
    mixinStandardHelpOptions = true,
    versionProvider = SplitGuardCli.Version.class,
    description = "Partition tolerance and split-brain protection for clusters of services.",
    subcommands = {
      NodeCommand.class,
      DevCommand.class,
      StatusCommand.class,
      KvCommands.class,
      KeyspaceCommands.class,
      ApCommands.class,
      LockCommand.class,
      MembersCommand.class,
      BenchCommand.class,
      ChaosCommand.class,
      CommandLine.HelpCommand.class
    })
public final class SplitGuardCli implements Runnable {
  /** Exit code: the operation was refused or failed. */
  public static final int EXIT_FAILED = 1;
  /** Exit code: bad usage or configuration. */
  public static final int EXIT_USAGE = 2;
  /** Exit code: the outcome is unknown. */
  public static final int EXIT_UNKNOWN = 3;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Entry point. */
  public static void main(String[] args) {
    // First: the common pool reads its size once, when anything first uses it.
    CommonPoolParallelism.applyBeforeFirstUse();
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code (for tests and embedding). */
  public static int run(String... args) {
    return new CommandLine(new SplitGuardCli())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Reports the version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = SplitGuardCli.class.getPackage().getImplementationVersion();
      return new String[] {"splitguard " + (v == null ? "dev" : v)};
    }
  }
}
