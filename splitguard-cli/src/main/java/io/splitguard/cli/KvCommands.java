package io.splitguard.cli;

import io.splitguard.client.Consistency;
import io.splitguard.client.KvEntry;
import io.splitguard.client.SplitGuardClient;
import io.splitguard.client.SplitGuardException;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code splitguard kv get|put|del}: reads and writes keys of the {@code default} (CP) keyspace
 * through the Java client, so retries, leader hints and the outcome-unknown rule are the same as
 * for any application.
 */
@Command(
    name = "kv",
    mixinStandardHelpOptions = true,
    description = {
      "Read and write keys of the default (CP) keyspace.",
      "Exit codes: 0 done, 1 refused or failed (not found, conflict, no quorum, bad request), "
          + "2 bad usage, 3 outcome unknown (a write that may or may not have been applied)."
    },
    subcommands = {KvCommands.Get.class, KvCommands.Put.class, KvCommands.Del.class})
final class KvCommands implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "missing subcommand: get, put or del");
  }

  /** The {@code KEY} parameter's check; the client would reject an empty key less helpfully. */
  static void requireKey(CommandSpec spec, String key) {
    if (key.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "KEY: must not be empty");
    }
  }

  /**
   * Parses {@code --if-revision}. Text rather than a {@code long} option so that the message names
   * the option and the rule in our words.
   */
  static Long ifRevision(CommandSpec spec, String text) {
    if (text == null) {
      return null;
    }
    try {
      long revision = Long.parseLong(text.strip());
      if (revision >= 0) {
        return revision;
      }
    } catch (NumberFormatException e) {
      // Reported below together with the negative case.
    }
    throw new ParameterException(
        spec.commandLine(), "--if-revision: must be a number >= 0, got '" + text + "'");
  }

  /** {@code greeting = hello  (revision 3)}: a key as the human output shows it. */
  static String describe(KvEntry e) {
    StringBuilder sb = new StringBuilder();
    sb.append(e.key()).append(" = ").append(e.value()).append("  (revision ").append(e.revision());
    if (e.stale()) {
      sb.append(", stale");
      if (e.appliedIndex() >= 0) {
        sb.append(", applied index ").append(e.appliedIndex());
      }
    }
    return sb.append(')').toString();
  }

  /** {@code splitguard kv get KEY [--stale]}. */
  @Command(
      name = "get",
      mixinStandardHelpOptions = true,
      description = "Print a key's value and revision. Linearizable unless --stale.")
  static final class Get implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ClusterOptions cluster;

    @Parameters(index = "0", paramLabel = "KEY", description = "The key.")
    String key;

    @Option(
        names = "--stale",
        description = "Accept a possibly stale answer from the node's local state; served even "
            + "by a node without quorum, and marked with the index it reflects.")
    boolean stale;

    @Override
    public Integer call() {
      requireKey(spec, key);
      Output output = Output.of(spec).deadline(cluster.timeout());
      try (SplitGuardClient client = cluster.newClient()) {
        Optional<KvEntry> entry =
            client.get(key, stale ? Consistency.STALE : Consistency.LINEARIZABLE);
        if (entry.isEmpty()) {
          // The client turns NOT_FOUND into an empty answer, so the server's detail is gone;
          // this wording matches it.
          output.error("NOT_FOUND: key '" + key + "' does not exist"
              + (stale ? " on the node that answered (stale read)" : ""));
          return SplitGuardCli.EXIT_FAILED;
        }
        if (cluster.json()) {
          output.json(Output.entryJson(entry.get()));
        } else {
          output.line(describe(entry.get()));
        }
        return 0;
      } catch (SplitGuardException e) {
        return output.fail(e, false);
      } catch (IllegalArgumentException e) {
        // The client's check of the key (for example an unpaired surrogate): a usage error.
        throw new ParameterException(spec.commandLine(), "KEY: " + e.getMessage());
      }
    }
  }

  /** {@code splitguard kv put KEY VALUE [--if-revision N]}. */
  @Command(
      name = "put",
      mixinStandardHelpOptions = true,
      description = "Write a key. With --if-revision, only if the key still has that revision.")
  static final class Put implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ClusterOptions cluster;

    @Parameters(index = "0", paramLabel = "KEY", description = "The key.")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE", description = "The value.")
    String value;

    @Option(
        names = "--if-revision",
        paramLabel = "N",
        description = "Compare-and-set: write only if the key's revision is N; 0 means the key "
            + "must not exist.")
    String ifRevision;

    @Override
    public Integer call() {
      requireKey(spec, key);
      Long expected = ifRevision(spec, ifRevision);
      Output output = Output.of(spec).deadline(cluster.timeout());
      try (SplitGuardClient client = cluster.newClient()) {
        KvEntry written =
            expected == null ? client.put(key, value) : client.putIfRevision(key, value, expected);
        if (cluster.json()) {
          output.json(Output.entryJson(written));
        } else {
          output.line(describe(written));
        }
        return 0;
      } catch (SplitGuardException e) {
        return output.fail(e, true);
      } catch (IllegalArgumentException e) {
        // The client's check of the key (for example an unpaired surrogate): a usage error.
        throw new ParameterException(spec.commandLine(), "KEY: " + e.getMessage());
      }
    }
  }

  /** {@code splitguard kv del KEY [--if-revision N]}. */
  @Command(
      name = "del",
      aliases = "delete",
      mixinStandardHelpOptions = true,
      description = "Delete a key. With --if-revision, only if the key still has that revision.")
  static final class Del implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ClusterOptions cluster;

    @Parameters(index = "0", paramLabel = "KEY", description = "The key.")
    String key;

    @Option(
        names = "--if-revision",
        paramLabel = "N",
        description = "Delete only if the key's revision is N.")
    String ifRevision;

    @Override
    public Integer call() {
      requireKey(spec, key);
      Long expected = ifRevision(spec, ifRevision);
      Output output = Output.of(spec).deadline(cluster.timeout());
      try (SplitGuardClient client = cluster.newClient()) {
        long revision =
            expected == null ? client.delete(key) : client.deleteIfRevision(key, expected);
        if (cluster.json()) {
          output.json(Output.JSON.createObjectNode()
              .put("key", key)
              .put("revision", revision)
              .put("deleted", true));
        } else {
          output.line("deleted " + key + "  (revision " + revision + ")");
        }
        return 0;
      } catch (SplitGuardException e) {
        return output.fail(e, true);
      } catch (IllegalArgumentException e) {
        // The client's check of the key (for example an unpaired surrogate): a usage error.
        throw new ParameterException(spec.commandLine(), "KEY: " + e.getMessage());
      }
    }
  }
}
