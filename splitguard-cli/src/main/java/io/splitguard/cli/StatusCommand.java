package io.splitguard.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.splitguard.client.Member;
import io.splitguard.client.SplitGuardClient;
import io.splitguard.client.SplitGuardException;
import io.splitguard.client.Status;
import io.splitguard.client.UnavailableException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code splitguard status}: one node's view of the cluster (the first endpoint that answers), or
 * with {@code --all} every endpoint's view side by side, which is how a partition shows up: the
 * nodes disagree on who is reachable and who leads.
 */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Show a node's view of the cluster: role, leader, term, partition status, quorum, applied "
          + "index and the members its failure detector sees.",
      "Exit codes: 0 answered, 1 no node answered (with --all: some node did not answer), "
          + "2 bad usage."
    })
final class StatusCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin ClusterOptions cluster;

  @Option(
      names = "--all",
      description = "Ask every endpoint once and print each node's view; a node that does not "
          + "answer is shown as unreachable and makes the exit code 1.")
  boolean all;

  @Override
  public Integer call() {
    Output output = Output.of(spec).deadline(cluster.timeout());
    try (SplitGuardClient client = cluster.newClient()) {
      return all ? everyNode(client, output) : anyNode(client, output);
    }
  }

  private int anyNode(SplitGuardClient client, Output output) {
    Status status;
    try {
      status = client.status();
    } catch (SplitGuardException e) {
      return output.fail(e, false);
    }
    if (cluster.json()) {
      output.json(Output.statusJson(status));
    } else {
      render(status).forEach(output::line);
    }
    return 0;
  }

  /** One node's answer to {@code --all}: its status or why there is none. */
  private record View(URI endpoint, Status status, SplitGuardException failure) {
    boolean answered() {
      return status != null;
    }
  }

  private int everyNode(SplitGuardClient client, Output output) {
    List<URI> endpoints = client.endpoints();
    List<View> views = new ArrayList<>();
    // In parallel, because a node that is down costs a connect timeout and a hung one the whole
    // request timeout; asking one after another would add those up.
    ExecutorService pool = Executors.newFixedThreadPool(endpoints.size(), r -> {
      Thread t = new Thread(r, "splitguard-status");
      t.setDaemon(true);
      return t;
    });
    try {
      List<CompletableFuture<View>> futures = new ArrayList<>();
      for (URI endpoint : endpoints) {
        futures.add(CompletableFuture.supplyAsync(() -> ask(client, endpoint), pool));
      }
      for (CompletableFuture<View> f : futures) {
        views.add(f.join());
      }
    } finally {
      pool.shutdownNow();
    }

    List<URI> failed = new ArrayList<>();
    if (cluster.json()) {
      ArrayNode array = Output.JSON.createArrayNode();
      for (View v : views) {
        ObjectNode o = array.addObject();
        o.put("endpoint", v.endpoint().toString());
        o.put("reachable", v.answered());
        if (v.answered()) {
          o.set("status", Output.statusJson(v.status()));
        } else {
          failed.add(v.endpoint());
          ObjectNode error = o.putObject("error");
          error.put("code", v.failure().code());
          error.put("detail", Output.describeFailure(v.failure()));
        }
      }
      output.json(array);
    } else {
      boolean first = true;
      for (View v : views) {
        if (!first) {
          output.line("");
        }
        first = false;
        output.line("== " + v.endpoint() + " ==");
        if (v.answered()) {
          render(v.status()).forEach(output::line);
        } else {
          failed.add(v.endpoint());
          String what = v.failure() instanceof UnavailableException ? "unreachable" : "error";
          output.line(what + ": " + Output.describeFailure(v.failure()));
        }
      }
    }
    if (!failed.isEmpty()) {
      output.error(failed.size() + " of " + views.size() + " nodes did not answer: "
          + String.join(", ", failed.stream().map(URI::toString).toList()));
      return SplitGuardCli.EXIT_FAILED;
    }
    return 0;
  }

  private static View ask(SplitGuardClient client, URI endpoint) {
    try {
      return new View(endpoint, client.status(endpoint), null);
    } catch (SplitGuardException e) {
      return new View(endpoint, null, e);
    }
  }

  /** The human-readable view of one status answer. */
  static List<String> render(Status s) {
    List<String> lines = new ArrayList<>();
    lines.add("node       " + s.nodeId() + (s.role().isEmpty() ? "" : " (" + s.role() + ")"));
    lines.add("leader     " + s.leader().orElse("none known"));
    lines.add("term       " + known(s.term()));
    lines.add("partition  " + (s.partitionStatus().isEmpty() ? "?" : s.partitionStatus()));
    lines.add("quorum     " + (s.quorum() ? "yes" : "no"));
    lines.add("fenced     " + (s.fenced() ? "YES" : "no"));
    String applied = known(s.appliedIndex());
    if (s.commitIndex() >= 0) {
      applied += " (commit index " + s.commitIndex() + ")";
    }
    lines.add("applied    " + applied);
    lines.add("");
    List<List<String>> rows = new ArrayList<>();
    for (Member m : s.members()) {
      rows.add(List.of(
          m.id() + (m.self() ? " (self)" : ""),
          m.address().isEmpty() ? "?" : m.address(),
          m.reachable() ? "yes" : "NO",
          Double.isNaN(m.phi()) ? "-" : String.format(Locale.ROOT, "%.2f", m.phi()),
          m.self() ? "-" : heartbeatAge(m.lastHeartbeatAgeMs())));
    }
    lines.addAll(Output.table(
        List.of("MEMBER", "ADDRESS", "REACHABLE", "PHI", "LAST HEARTBEAT"),
        rows,
        false, false, false, true, true));
    return lines;
  }

  private static String known(long value) {
    return value < 0 ? "?" : Long.toString(value);
  }

  private static String heartbeatAge(long ms) {
    if (ms < 0) {
      return "never";
    }
    if (ms < 1000) {
      return ms + " ms ago";
    }
    return String.format(Locale.ROOT, "%.1f s ago", ms / 1000.0);
  }
}
