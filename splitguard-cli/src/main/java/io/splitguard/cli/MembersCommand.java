package io.splitguard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.splitguard.client.ConfigMember;
import io.splitguard.client.SplitGuardClient;
import io.splitguard.client.SplitGuardException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code splitguard members list|add|demote|promote|remove}: the consensus configuration and safe
 * changes to it. The node checks every change ({@code MembershipPolicy}) before Raft's joint
 * consensus applies it.
 */
@Command(
    name = "members",
    mixinStandardHelpOptions = true,
    description = {
      "Show and change the consensus configuration (voters and non-voting listeners).",
      "Exit codes: 0 done, 1 refused or failed (unsafe change, unknown member, no quorum), "
          + "2 bad usage, 3 outcome unknown."
    },
    subcommands = {MembersCommand.ListMembers.class, MembersCommand.Add.class, MembersCommand.Demote.class,
        MembersCommand.Promote.class, MembersCommand.Remove.class})
final class MembersCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "missing subcommand: list, add, demote, promote or remove");
  }

  static void print(Output output, ClusterOptions cluster, List<ConfigMember> members) {
    if (cluster.json()) {
      ObjectNode doc = JSON.createObjectNode();
      ArrayNode list = doc.putArray("members");
      for (ConfigMember m : members) {
        list.addObject().put("id", m.id()).put("role", m.role()).put("address", m.address())
            .put("reachable", m.reachable());
      }
      output.json(doc);
      return;
    }
    for (ConfigMember m : members) {
      output.line(String.format("%-12s %-9s %-22s %s", m.id(), m.role(), m.address(),
          m.reachable() ? "reachable" : "UNREACHABLE"));
    }
  }

  /** {@code splitguard members list}. */
  @Command(name = "list", mixinStandardHelpOptions = true, description = "List members and their roles.")
  static final class ListMembers implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ClusterOptions cluster;

    @Override
    public Integer call() {
      Output output = Output.of(spec).deadline(cluster.timeout());
      try (SplitGuardClient client = cluster.newClient()) {
        print(output, cluster, client.members());
        return 0;
      } catch (SplitGuardException e) {
        return output.fail(e, false);
      }
    }
  }

  /** {@code splitguard members add ID --raft HOST:PORT --api HOST:PORT}. */
  @Command(name = "add", mixinStandardHelpOptions = true,
      description = {"Add a brand-new node as a non-voting listener; promote it once it has caught up.",
          "Start the node first with 'splitguard node --join' and a cluster file listing the running "
              + "members and itself."})
  static final class Add implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ClusterOptions cluster;

    @Parameters(index = "0", paramLabel = "ID", description = "The new node's id.")
    String id;

    @picocli.CommandLine.Option(names = "--raft", required = true, paramLabel = "HOST:PORT",
        description = "The new node's Raft address.")
    String raft;

    @picocli.CommandLine.Option(names = "--api", required = true, paramLabel = "HOST:PORT",
        description = "The new node's HTTP API address (its heartbeats use the same host and port).")
    String api;

    @Override
    public Integer call() {
      if (id.isBlank()) {
        throw new ParameterException(spec.commandLine(), "ID: must not be empty");
      }
      Output output = Output.of(spec).deadline(cluster.timeout());
      try (SplitGuardClient client = cluster.newClient()) {
        print(output, cluster, client.addMember(id, raft, api));
        return 0;
      } catch (SplitGuardException e) {
        return output.fail(e, true);
      }
    }
  }

  /** Shared body of the three changes. */
  abstract static class Change implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ClusterOptions cluster;

    @Parameters(index = "0", paramLabel = "ID", description = "The member's node id.")
    String id;

    abstract String action();

    @Override
    public Integer call() {
      if (id.isBlank()) {
        throw new ParameterException(spec.commandLine(), "ID: must not be empty");
      }
      Output output = Output.of(spec).deadline(cluster.timeout());
      try (SplitGuardClient client = cluster.newClient()) {
        print(output, cluster, client.changeMember(id, action()));
        return 0;
      } catch (SplitGuardException e) {
        return output.fail(e, true);
      }
    }
  }

  /** {@code splitguard members demote ID}. */
  @Command(name = "demote", mixinStandardHelpOptions = true,
      description = "Make a voter a non-voting listener (refused if too few voters would remain).")
  static final class Demote extends Change {
    @Override
    String action() {
      return "demote";
    }
  }

  /** {@code splitguard members promote ID}. */
  @Command(name = "promote", mixinStandardHelpOptions = true,
      description = "Make a listener a voter again (it must be reachable).")
  static final class Promote extends Change {
    @Override
    String action() {
      return "promote";
    }
  }

  /** {@code splitguard members remove ID}. */
  @Command(name = "remove", mixinStandardHelpOptions = true,
      description = "Drop a member from the configuration (refused if too few voters would remain).")
  static final class Remove extends Change {
    @Override
    String action() {
      return "remove";
    }
  }
}
