package io.splitguard.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.splitguard.client.ApValues;
import io.splitguard.client.SplitGuardClient;
import io.splitguard.client.SplitGuardException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code splitguard ap ...}: values of AP keyspaces (registers, counters, sets) through the Java
 * client. Every answer is one node's local view, served without a quorum; it is marked stale when
 * that node could not reach a majority.
 */
@Command(
    name = "ap",
    mixinStandardHelpOptions = true,
    description = {
      "Read and write values of AP keyspaces: registers (LWW, CRDT, MANUAL), counters and sets.",
      "Answers come from one node without a quorum and may miss writes taken elsewhere.",
      "Exit codes: 0 done, 1 refused or failed (not found, conflict, bad request), 2 bad usage, "
          + "3 outcome unknown (a write that may or may not have been applied)."
    },
    subcommands = {
      ApCommands.Get.class, ApCommands.Put.class, ApCommands.Delete.class, ApCommands.Resolve.class,
      ApCommands.History.class, ApCommands.CounterCommands.class, ApCommands.SetCommands.class
    })
final class ApCommands implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(),
        "missing subcommand: get, put, delete, resolve, history, counter or set");
  }

  /** The parameters every AP command shares: the keyspace and the key (or name). */
  abstract static class ApCall implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ClusterOptions cluster;

    @Parameters(index = "0", paramLabel = "KEYSPACE", description = "An AP keyspace.")
    String keyspace;

    @Parameters(index = "1", paramLabel = "KEY", description = "The key (or counter/set name).")
    String key;

    /** Whether the command writes (an ambiguous failure is then outcome-unknown). */
    abstract boolean writes();

    abstract int run(SplitGuardClient client, Output output);

    @Override
    public Integer call() {
      if (keyspace.isEmpty()) {
        throw new ParameterException(spec.commandLine(), "KEYSPACE: must not be empty");
      }
      KvCommands.requireKey(spec, key);
      Output output = Output.of(spec).deadline(cluster.timeout());
      try (SplitGuardClient client = cluster.newClient()) {
        return run(client, output);
      } catch (SplitGuardException e) {
        return output.fail(e, writes());
      } catch (IllegalArgumentException e) {
        // The client's check of a name (for example an unpaired surrogate): a usage error.
        throw new ParameterException(spec.commandLine(), "KEY: " + e.getMessage());
      }
    }

    boolean json() {
      return cluster.json();
    }

    /** Prints a register as JSON or one line; returns exit status 0. */
    int printRegister(Output output, ApValues.Register r) {
      if (json()) {
        output.json(registerJson(r));
      } else {
        output.line(describe(r));
      }
      return 0;
    }

    int notFound(Output output, String what) {
      output.error("NOT_FOUND: " + what + " '" + key + "' holds no value in keyspace '" + keyspace
          + "' on the node that answered (never written there, not yet replicated, or deleted)");
      return SplitGuardCli.EXIT_FAILED;
    }
  }

  // ---- registers ---------------------------------------------------------------------------------

  static ObjectNode registerJson(ApValues.Register r) {
    ObjectNode n = Output.JSON.createObjectNode();
    n.put("keyspace", r.keyspace()).put("key", r.key()).put("type", r.type());
    if (r.value().isPresent()) {
      n.put("value", r.value().get());
    } else {
      n.putNull("value");
    }
    n.put("conflict", r.conflict()).put("stale", r.stale());
    ArrayNode siblings = n.putArray("siblings");
    r.siblings().forEach(s -> siblings.addObject().put("value", s.value()).put("node", s.node()));
    return n;
  }

  /** {@code k = v  (lww, by n1)}, or one line per sibling for a conflict. */
  static String describe(ApValues.Register r) {
    StringBuilder sb = new StringBuilder();
    String marks = r.stale() ? ", stale: this node has no quorum" : "";
    if (r.value().isPresent() && r.siblings().size() == 1) {
      sb.append(r.key()).append(" = ").append(r.value().get()).append("  (").append(r.type())
          .append(", by ").append(r.siblings().get(0).node()).append(marks).append(')');
      return sb.toString();
    }
    sb.append(r.key()).append(": ").append(r.siblings().size()).append(" concurrent values")
        .append(r.conflict() && r.type().equals("manual") ? " (conflict: resolve it)" : "")
        .append(marks.isEmpty() ? "" : "  (" + marks.substring(2) + ")");
    for (ApValues.Sibling s : r.siblings()) {
      sb.append(System.lineSeparator()).append("  ").append(s.value()).append("  (by ").append(s.node())
          .append(", context ").append(s.clock()).append(')');
    }
    return sb.toString();
  }

  static ObjectNode supersededJson(ApValues.Superseded s) {
    ObjectNode n = Output.JSON.createObjectNode();
    n.put("value", s.value()).put("node", s.node()).put("reason", s.reason()).put("clock", s.clock());
    return n;
  }

  static String describe(ApValues.Superseded s) {
    return s.value() + "  (" + s.reason() + ", by " + s.node() + ", clock " + s.clock() + ")";
  }

  /** {@code splitguard ap get KEYSPACE KEY}. */
  @Command(name = "get", mixinStandardHelpOptions = true,
      description = "Print a register's value, or every concurrent value and whether they conflict.")
  static final class Get extends ApCall {
    @Override
    boolean writes() {
      return false;
    }

    @Override
    int run(SplitGuardClient client, Output output) {
      Optional<ApValues.Register> r = client.apGet(keyspace, key);
      if (r.isEmpty()) {
        return notFound(output, "key");
      }
      return printRegister(output, r.get());
    }
  }

  /** A register write with a VALUE parameter, answered with the register ({@code put}, {@code resolve}). */
  abstract static class ValueWrite extends ApCall {
    @Parameters(index = "2", paramLabel = "VALUE", description = "The value.")
    String value;

    @Override
    boolean writes() {
      return true;
    }

    abstract ApValues.Register write(SplitGuardClient client);

    @Override
    int run(SplitGuardClient client, Output output) {
      return printRegister(output, write(client));
    }
  }

  /** {@code splitguard ap put KEYSPACE KEY VALUE}. */
  @Command(name = "put", mixinStandardHelpOptions = true,
      description = "Write a register on the answering node (MANUAL keys in conflict refuse: resolve them).")
  static final class Put extends ValueWrite {
    @Override
    ApValues.Register write(SplitGuardClient client) {
      return client.apPut(keyspace, key, value);
    }
  }

  /** {@code splitguard ap delete KEYSPACE KEY}. */
  @Command(name = "delete", aliases = "del", mixinStandardHelpOptions = true,
      description = "Delete a register: an LWW tombstone, or the removal of the values seen on the answering node.")
  static final class Delete extends ApCall {
    @Override
    boolean writes() {
      return true;
    }

    @Override
    int run(SplitGuardClient client, Output output) {
      Optional<ApValues.Deletion> d = client.apDelete(keyspace, key);
      if (d.isEmpty()) {
        return notFound(output, "key");
      }
      if (json()) {
        ObjectNode n = Output.JSON.createObjectNode();
        n.put("keyspace", keyspace).put("key", key).put("type", d.get().type()).put("deleted", true);
        ArrayNode removed = n.putArray("removed");
        d.get().removed().forEach(s -> removed.add(supersededJson(s)));
        output.json(n);
      } else {
        output.line("deleted " + key + "  (" + d.get().type() + ", removed " + d.get().removed().size()
            + (d.get().removed().size() == 1 ? " value)" : " values)"));
      }
      return 0;
    }
  }

  /** {@code splitguard ap resolve KEYSPACE KEY VALUE}: VALUE is the resolved value. */
  @Command(name = "resolve", mixinStandardHelpOptions = true,
      description = "Resolve a MANUAL key's conflict to VALUE; every concurrent value is recorded as superseded.")
  static final class Resolve extends ValueWrite {
    @Override
    ApValues.Register write(SplitGuardClient client) {
      return client.apResolve(keyspace, key, value);
    }
  }

  /** {@code splitguard ap history KEYSPACE KEY}. */
  @Command(name = "history", mixinStandardHelpOptions = true,
      description = "Print the key's superseded values the answering node keeps (the newest; the audit log has all).")
  static final class History extends ApCall {
    @Override
    boolean writes() {
      return false;
    }

    @Override
    int run(SplitGuardClient client, Output output) {
      List<ApValues.Superseded> all = client.apHistory(keyspace, key);
      if (json()) {
        ObjectNode n = Output.JSON.createObjectNode();
        n.put("keyspace", keyspace).put("key", key);
        ArrayNode list = n.putArray("superseded");
        all.forEach(s -> list.add(supersededJson(s)));
        output.json(n);
      } else if (all.isEmpty()) {
        output.line(key + ": no superseded values on the answering node");
      } else {
        all.forEach(s -> output.line(describe(s)));
      }
      return 0;
    }
  }

  // ---- counters ----------------------------------------------------------------------------------

  static int printCounter(Output output, boolean json, ApValues.Counter c) {
    if (json) {
      output.json(Output.JSON.createObjectNode().put("keyspace", c.keyspace()).put("name", c.name())
          .put("value", c.value()).put("stale", c.stale()));
    } else {
      output.line(c.name() + " = " + c.value() + (c.stale() ? "  (stale: this node has no quorum)" : ""));
    }
    return 0;
  }

  /** {@code splitguard ap counter add|get}. */
  @Command(name = "counter", mixinStandardHelpOptions = true, description = "Counters of CRDT keyspaces.",
      subcommands = {CounterCommands.Add.class, CounterCommands.Get.class})
  static final class CounterCommands implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      throw new ParameterException(spec.commandLine(), "missing subcommand: add or get");
    }

    /** {@code splitguard ap counter add KEYSPACE NAME DELTA}. */
    @Command(name = "add", mixinStandardHelpOptions = true,
        description = "Add DELTA (negative to decrement). Not retried after an ambiguous failure.")
    static final class Add extends ApCall {
      @Parameters(index = "2", paramLabel = "DELTA", description = "An integer, negative to decrement.")
      String delta;

      @Override
      boolean writes() {
        return true;
      }

      @Override
      int run(SplitGuardClient client, Output output) {
        long d;
        try {
          d = Long.parseLong(delta.strip());
        } catch (NumberFormatException e) {
          throw new ParameterException(spec.commandLine(), "DELTA: must be an integer, got '" + delta + "'");
        }
        if (d == Long.MIN_VALUE) {
          throw new ParameterException(spec.commandLine(), "DELTA: out of range, got '" + delta + "'");
        }
        return printCounter(output, json(), client.counterAdd(keyspace, key, d));
      }
    }

    /** {@code splitguard ap counter get KEYSPACE NAME}. */
    @Command(name = "get", mixinStandardHelpOptions = true, description = "Print a counter's value.")
    static final class Get extends ApCall {
      @Override
      boolean writes() {
        return false;
      }

      @Override
      int run(SplitGuardClient client, Output output) {
        Optional<ApValues.Counter> c = client.counterGet(keyspace, key);
        return c.isEmpty() ? notFound(output, "counter") : printCounter(output, json(), c.get());
      }
    }
  }

  // ---- sets --------------------------------------------------------------------------------------

  static int printSet(Output output, boolean json, ApValues.Set s) {
    if (json) {
      ObjectNode n = Output.JSON.createObjectNode().put("keyspace", s.keyspace()).put("name", s.name());
      ArrayNode elements = n.putArray("elements");
      s.elements().forEach(elements::add);
      output.json(n.put("stale", s.stale()));
    } else {
      output.line(s.name() + " = {" + String.join(", ", s.elements()) + "}"
          + (s.stale() ? "  (stale: this node has no quorum)" : ""));
    }
    return 0;
  }

  /** {@code splitguard ap set add|remove|get}. */
  @Command(name = "set", mixinStandardHelpOptions = true, description = "Add-wins sets of CRDT keyspaces.",
      subcommands = {SetCommands.Add.class, SetCommands.Remove.class, SetCommands.Get.class})
  static final class SetCommands implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      throw new ParameterException(spec.commandLine(), "missing subcommand: add, remove or get");
    }

    /** {@code splitguard ap set add KEYSPACE NAME ELEMENT...}. */
    @Command(name = "add", mixinStandardHelpOptions = true, description = "Add elements.")
    static final class Add extends ApCall {
      @Parameters(index = "2..*", arity = "1..*", paramLabel = "ELEMENT", description = "Elements to add.")
      List<String> elements;

      @Override
      boolean writes() {
        return true;
      }

      @Override
      int run(SplitGuardClient client, Output output) {
        return printSet(output, json(), client.setUpdate(keyspace, key, elements, List.of()));
      }
    }

    /** {@code splitguard ap set remove KEYSPACE NAME ELEMENT...}. */
    @Command(name = "remove", mixinStandardHelpOptions = true,
        description = "Remove elements (only the adds the answering node has seen; a concurrent add wins).")
    static final class Remove extends ApCall {
      @Parameters(index = "2..*", arity = "1..*", paramLabel = "ELEMENT", description = "Elements to remove.")
      List<String> elements;

      @Override
      boolean writes() {
        return true;
      }

      @Override
      int run(SplitGuardClient client, Output output) {
        return printSet(output, json(), client.setUpdate(keyspace, key, List.of(), elements));
      }
    }

    /** {@code splitguard ap set get KEYSPACE NAME}. */
    @Command(name = "get", mixinStandardHelpOptions = true, description = "Print a set's elements.")
    static final class Get extends ApCall {
      @Override
      boolean writes() {
        return false;
      }

      @Override
      int run(SplitGuardClient client, Output output) {
        Optional<ApValues.Set> s = client.setGet(keyspace, key);
        return s.isEmpty() ? notFound(output, "set") : printSet(output, json(), s.get());
      }
    }
  }
}
