package io.splitguard.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.splitguard.client.KeyspaceInfo;
import io.splitguard.client.SplitGuardClient;
import io.splitguard.client.SplitGuardException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code splitguard keyspace declare|list|show}: keyspace declarations through the Java client. */
@Command(
    name = "keyspace",
    mixinStandardHelpOptions = true,
    description = {
      "Declare and inspect keyspaces (partition strategy per keyspace).",
      "Exit codes: 0 done, 1 refused or failed (conflicting declaration, not found, no quorum), "
          + "2 bad usage, 3 outcome unknown."
    },
    subcommands = {KeyspaceCommands.Declare.class, KeyspaceCommands.ListAll.class, KeyspaceCommands.Show.class})
final class KeyspaceCommands implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "missing subcommand: declare, list or show");
  }

  static String describe(KeyspaceInfo k) {
    return k.name() + "  " + k.mode() + k.merge().map(m -> " " + m).orElse("")
        + (k.graceMs() >= 0 ? "  (grace " + k.graceMs() + " ms)" : "")
        + "  declared at revision " + k.declaredRevision();
  }

  static ObjectNode json(KeyspaceInfo k) {
    ObjectNode n = Output.JSON.createObjectNode().put("name", k.name()).put("mode", k.mode());
    n.put("merge", k.merge().orElse(null));
    if (k.graceMs() >= 0) {
      n.put("graceMs", k.graceMs());
    }
    return n.put("declaredRevision", k.declaredRevision());
  }

  /** {@code splitguard keyspace declare NAME --mode M [--merge P] [--grace-ms N]}. */
  @Command(name = "declare", mixinStandardHelpOptions = true,
      description = "Declare a keyspace (needs quorum). Re-declaring with another mode or merge policy is refused.")
  static final class Declare implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ClusterOptions cluster;

    @Parameters(index = "0", paramLabel = "NAME", description = "Keyspace name: letters, digits, '.', '_', '-'.")
    String name;

    @Option(names = "--mode", required = true, paramLabel = "MODE", description = "CP, CP_STALE_READS or AP.")
    String mode;

    @Option(names = "--merge", paramLabel = "POLICY", description = "For AP only: LWW, CRDT or MANUAL.")
    String merge;

    @Option(names = "--grace-ms", paramLabel = "MS", description = "For MANUAL only: grace period in ms.")
    Long graceMs;

    @Override
    public Integer call() {
      Output output = Output.of(spec).deadline(cluster.timeout());
      try (SplitGuardClient client = cluster.newClient()) {
        KeyspaceInfo k = client.declareKeyspace(name, mode, merge, graceMs);
        if (cluster.json()) {
          output.json(json(k));
        } else {
          output.line(describe(k));
        }
        return 0;
      } catch (SplitGuardException e) {
        return output.fail(e, true);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "NAME: " + e.getMessage());
      }
    }
  }

  /** {@code splitguard keyspace list}. */
  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the declared keyspaces.")
  static final class ListAll implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ClusterOptions cluster;

    @Override
    public Integer call() {
      Output output = Output.of(spec).deadline(cluster.timeout());
      try (SplitGuardClient client = cluster.newClient()) {
        List<KeyspaceInfo> all = client.keyspaces();
        if (cluster.json()) {
          ObjectNode doc = Output.JSON.createObjectNode();
          ArrayNode list = doc.putArray("keyspaces");
          all.forEach(k -> list.add(json(k)));
          output.json(doc);
        } else {
          List<List<String>> rows = new ArrayList<>();
          for (KeyspaceInfo k : all) {
            rows.add(List.of(k.name(), k.mode(), k.merge().orElse("-"),
                k.graceMs() >= 0 ? Long.toString(k.graceMs()) : "-", Long.toString(k.declaredRevision())));
          }
          Output.table(List.of("NAME", "MODE", "MERGE", "GRACE_MS", "REVISION"), rows).forEach(output::line);
        }
        return 0;
      } catch (SplitGuardException e) {
        return output.fail(e, false);
      }
    }
  }

  /** {@code splitguard keyspace show NAME}. */
  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one keyspace's declaration.")
  static final class Show implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ClusterOptions cluster;

    @Parameters(index = "0", paramLabel = "NAME", description = "Keyspace name.")
    String name;

    @Override
    public Integer call() {
      Output output = Output.of(spec).deadline(cluster.timeout());
      try (SplitGuardClient client = cluster.newClient()) {
        Optional<KeyspaceInfo> k = client.keyspace(name);
        if (k.isEmpty()) {
          output.error("NOT_FOUND: keyspace '" + name + "' is not declared (on the node that answered)");
          return SplitGuardCli.EXIT_FAILED;
        }
        if (cluster.json()) {
          output.json(json(k.get()));
        } else {
          output.line(describe(k.get()));
        }
        return 0;
      } catch (SplitGuardException e) {
        return output.fail(e, false);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "NAME: " + e.getMessage());
      }
    }
  }
}
