package io.splitguard.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.splitguard.client.ConflictException;
import io.splitguard.client.Consistency;
import io.splitguard.client.FencedException;
import io.splitguard.client.GuardedValue;
import io.splitguard.client.LockInfo;
import io.splitguard.client.OutcomeUnknownException;
import io.splitguard.client.SplitGuardClient;
import io.splitguard.client.SplitGuardException;
import java.time.Duration;
import java.time.Instant;
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
 * {@code splitguard lock acquire|keepalive|release|show} and {@code splitguard lock guarded
 * put|get}: locks with leases and fencing tokens, and guarded resources, through the Java client.
 *
 * <p>A CLI process cannot keep a lease alive after it exits: {@code acquire} prints the token and
 * the expiry and leaves the lease to expire unless it is kept alive ({@code keepalive}) or released
 * ({@code release}) in time. Applications use the Java client's {@code LockHandle}, which keeps
 * leases alive by itself.
 *
 * <p>{@link Guarded} is a complete command of its own, so it can also be registered at the top
 * level as {@code splitguard guarded}.
 */
@Command(
    name = "lock",
    mixinStandardHelpOptions = true,
    description = {
      "Locks with leases and fencing tokens (see docs/fencing.md).",
      "Note: this command cannot keep a lease alive after it exits. 'lock acquire' prints the "
          + "token; the lease then expires after its TTL unless you run 'lock keepalive' in time "
          + "or free it with 'lock release'. Applications should use the Java client's LockHandle.",
      "Exit codes: 0 done, 1 refused or failed (held: CONFLICT, stale token: FENCED, not found, "
          + "no quorum, bad request), 2 bad usage, 3 outcome unknown (a write that may or may not "
          + "have been applied)."
    },
    subcommands = {
      LockCommand.Acquire.class,
      LockCommand.KeepAlive.class,
      LockCommand.Release.class,
      LockCommand.Show.class,
      LockCommand.Guarded.class
    })
public final class LockCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(),
        "missing subcommand: acquire, keepalive, release, show or guarded");
  }

  static void requireName(CommandSpec spec, String label, String name) {
    if (name.isEmpty()) {
      throw new ParameterException(spec.commandLine(), label + ": must not be empty");
    }
  }

  /** Parses {@code --token}: a positive integer, checked here so the message names the option. */
  static long token(CommandSpec spec, String text) {
    try {
      long token = Long.parseLong(text.strip());
      if (token > 0) {
        return token;
      }
    } catch (NumberFormatException e) {
      // Reported below together with the non-positive case.
    }
    throw new ParameterException(spec.commandLine(), "--token: must be a number >= 1, got '" + text + "'");
  }

  /**
   * Reports a failed call and returns the exit code. An unknown outcome gets a lock-specific hint;
   * everything else is worded as for the kv commands.
   */
  static int fail(Output output, SplitGuardException e, boolean write, String hint) {
    if (e instanceof OutcomeUnknownException) {
      output.error("outcome unknown: the request may or may not have been applied");
      output.errorDetail(e.getMessage());
      output.errorDetail(hint);
      return SplitGuardCli.EXIT_UNKNOWN;
    }
    return output.fail(e, write);
  }

  /** The lease as JSON, with the fields the server uses. */
  static ObjectNode lockJson(LockInfo l) {
    ObjectNode n = Output.JSON.createObjectNode();
    n.put("name", l.name());
    n.put("owner", l.owner());
    n.put("token", l.token());
    if (l.ttlMs() >= 0) {
      n.put("ttlMs", l.ttlMs());
    }
    n.put("expiresAtMs", l.expiresAtMs());
    return n;
  }

  static String instant(long epochMs) {
    return Instant.ofEpochMilli(epochMs).toString();
  }

  /** {@code splitguard lock acquire NAME --owner O --ttl 10s}. */
  @Command(
      name = "acquire",
      mixinStandardHelpOptions = true,
      description = {
        "Acquire a lock and print its fencing token and expiry.",
        "The lease is NOT kept alive after this command exits: it expires after --ttl unless "
            + "renewed with 'lock keepalive NAME --token N' or freed with 'lock release NAME "
            + "--token N'."
      })
  static final class Acquire implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ClusterOptions cluster;

    @Parameters(index = "0", paramLabel = "NAME", description = "The lock.")
    String name;

    @Option(names = "--owner", required = true, paramLabel = "OWNER",
        description = "Who holds it (shown to others; make it unique, like host:pid).")
    String owner;

    @Option(names = "--ttl", required = true, paramLabel = "DURATION",
        description = "Time to live of the lease, like 10s or 1m; the cluster accepts "
            + "2 x electionTimeoutMax (4s by default) to 1h.")
    String ttl;

    @Override
    public Integer call() {
      requireName(spec, "NAME", name);
      if (owner.isEmpty()) {
        throw new ParameterException(spec.commandLine(), "--owner: must not be empty");
      }
      Duration lease = cluster.positiveDuration("--ttl", ttl);
      Output output = Output.of(spec).deadline(cluster.timeout());
      try (SplitGuardClient client = cluster.newClient()) {
        LockInfo granted = client.acquireLease(name, owner, lease);
        if (cluster.json()) {
          output.json(lockJson(granted));
        } else {
          output.line("acquired " + granted.name() + "  (token " + granted.token() + ", owner "
              + granted.owner() + ", expires " + instant(granted.expiresAtMs()) + " by the cluster clock)");
        }
        output.progress("note: the lease is not kept alive after this command; it expires in "
            + Output.duration(lease) + " unless renewed with 'lock keepalive " + name + " --token "
            + granted.token() + "' or freed with 'lock release " + name + " --token "
            + granted.token() + "'");
        return 0;
      } catch (ConflictException e) {
        output.error(e.getMessage());
        e.holder().ifPresent(h -> output.errorDetail("held by " + h.owner() + " under token "
            + h.token() + " until " + instant(h.expiresAtMs())));
        return SplitGuardCli.EXIT_FAILED;
      } catch (SplitGuardException e) {
        return fail(output, e, true, "run 'lock show " + name + "': if " + owner
            + " holds it, release it with its token (or let it expire) and acquire again");
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "NAME: " + e.getMessage());
      }
    }
  }

  /**
   * The shape of every command that acts on a lease by its token: a lock name, a {@code --token},
   * one client call, and on failure a hint at how to find out what happened.
   */
  abstract static class WithToken implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ClusterOptions cluster;

    @Parameters(index = "0", paramLabel = "NAME", description = "The lock.")
    String name;

    @Option(names = "--token", required = true, paramLabel = "N", description = "The lease's fencing token.")
    String token;

    /** Performs the call and prints its answer. */
    abstract void run(SplitGuardClient client, Output output, long t);

    /** What to do when the outcome is unknown or the call failed. */
    abstract String hint();

    @Override
    public Integer call() {
      requireName(spec, "NAME", name);
      long t = token(spec, token);
      Output output = Output.of(spec).deadline(cluster.timeout());
      try (SplitGuardClient client = cluster.newClient()) {
        run(client, output, t);
        return 0;
      } catch (SplitGuardException e) {
        return fail(output, e, true, hint());
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "NAME: " + e.getMessage());
      }
    }
  }

  /** {@code splitguard lock keepalive NAME --token N}. */
  @Command(
      name = "keepalive",
      mixinStandardHelpOptions = true,
      description = "Renew the lease held under a token for its TTL from now.")
  static final class KeepAlive extends WithToken {
    @Override
    void run(SplitGuardClient client, Output output, long t) {
      LockInfo renewed = client.keepAlive(name, t);
      if (cluster.json()) {
        output.json(lockJson(renewed));
      } else {
        output.line("renewed " + renewed.name() + "  (token " + renewed.token() + ", expires "
            + instant(renewed.expiresAtMs()) + " by the cluster clock)");
      }
    }

    @Override
    String hint() {
      return "run 'lock show " + name + "' to see the lease";
    }
  }

  /** {@code splitguard lock release NAME --token N}. */
  @Command(
      name = "release",
      mixinStandardHelpOptions = true,
      description = "Release the lease held under a token, freeing the lock at once.")
  static final class Release extends WithToken {
    @Override
    void run(SplitGuardClient client, Output output, long t) {
      long revision = client.release(name, t);
      if (cluster.json()) {
        output.json(Output.JSON.createObjectNode()
            .put("name", name).put("token", t).put("released", true).put("revision", revision));
      } else {
        output.line("released " + name + "  (token " + t + ")");
      }
    }

    @Override
    String hint() {
      return "run 'lock show " + name + "': the lease may still be held until it expires";
    }
  }

  /** {@code splitguard lock show NAME [--stale]}. */
  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Show a lock's holder, token and expiry. Linearizable unless --stale.")
  static final class Show implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ClusterOptions cluster;

    @Parameters(index = "0", paramLabel = "NAME", description = "The lock.")
    String name;

    @Option(names = "--stale", description = "Accept a possibly stale answer from a node's local "
        + "state (served even without quorum); it may miss recent keep-alives, grants and releases.")
    boolean stale;

    @Override
    public Integer call() {
      requireName(spec, "NAME", name);
      Output output = Output.of(spec).deadline(cluster.timeout());
      try (SplitGuardClient client = cluster.newClient()) {
        Optional<LockInfo> lock = client.lock(name, stale ? Consistency.STALE : Consistency.LINEARIZABLE);
        if (lock.isEmpty()) {
          output.error("NOT_FOUND: lock '" + name + "' is not held"
              + (stale ? " on the node that answered (stale read)" : ""));
          return SplitGuardCli.EXIT_FAILED;
        }
        LockInfo l = lock.get();
        if (cluster.json()) {
          ObjectNode n = lockJson(l);
          n.put("expired", l.expired());
          if (l.remainingMs() >= 0) {
            n.put("remainingMs", l.remainingMs());
          }
          if (l.stale()) {
            n.put("stale", true);
            if (l.appliedIndex() >= 0) {
              n.put("appliedIndex", l.appliedIndex());
            }
          }
          output.json(n);
        } else {
          StringBuilder sb = new StringBuilder();
          sb.append(l.name()).append(": ").append(l.expired() ? "expired lease of " : "held by ")
              .append(l.owner()).append("  (token ").append(l.token());
          if (l.expired()) {
            sb.append(", expired ").append(instant(l.expiresAtMs()));
          } else {
            sb.append(", expires ").append(instant(l.expiresAtMs()));
            if (l.remainingMs() >= 0) {
              sb.append(", in ").append(Output.duration(Duration.ofMillis(l.remainingMs())));
            }
          }
          if (l.stale()) {
            sb.append(", stale");
            if (l.appliedIndex() >= 0) {
              sb.append(", applied index ").append(l.appliedIndex());
            }
          }
          output.line(sb.append(')').toString());
        }
        return 0;
      } catch (SplitGuardException e) {
        return output.fail(e, false);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "NAME: " + e.getMessage());
      }
    }
  }

  /** {@code splitguard lock guarded put|get}: guarded resources (fenced registers). */
  @Command(
      name = "guarded",
      mixinStandardHelpOptions = true,
      description = {
        "Guarded resources: registers that accept a write only with a fencing token at least as "
            + "high as the highest they have accepted (FENCED otherwise).",
        "Exit codes as for 'lock'."
      },
      subcommands = {LockCommand.GuardedPut.class, LockCommand.GuardedGet.class})
  public static final class Guarded implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      throw new ParameterException(spec.commandLine(), "missing subcommand: put or get");
    }
  }

  static String describe(GuardedValue v) {
    StringBuilder sb = new StringBuilder();
    sb.append(v.resource()).append(" = ").append(v.value()).append("  (token ").append(v.token());
    if (v.revision() >= 0) {
      sb.append(", revision ").append(v.revision());
    }
    if (v.stale()) {
      sb.append(", stale");
      if (v.appliedIndex() >= 0) {
        sb.append(", applied index ").append(v.appliedIndex());
      }
    }
    return sb.append(')').toString();
  }

  static ObjectNode guardedJson(GuardedValue v) {
    ObjectNode n = Output.JSON.createObjectNode();
    n.put("resource", v.resource());
    n.put("value", v.value());
    n.put("token", v.token());
    if (v.revision() >= 0) {
      n.put("revision", v.revision());
    }
    if (v.stale()) {
      n.put("stale", true);
      if (v.appliedIndex() >= 0) {
        n.put("appliedIndex", v.appliedIndex());
      }
    }
    return n;
  }

  /** {@code splitguard lock guarded put RESOURCE VALUE --token N}. */
  @Command(
      name = "put",
      mixinStandardHelpOptions = true,
      description = "Write a guarded resource under a fencing token.")
  static final class GuardedPut implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ClusterOptions cluster;

    @Parameters(index = "0", paramLabel = "RESOURCE", description = "The resource.")
    String resource;

    @Parameters(index = "1", paramLabel = "VALUE", description = "The value.")
    String value;

    @Option(names = "--token", required = true, paramLabel = "N", description = "The fencing token to write under.")
    String token;

    @Override
    public Integer call() {
      requireName(spec, "RESOURCE", resource);
      long t = token(spec, token);
      Output output = Output.of(spec).deadline(cluster.timeout());
      try (SplitGuardClient client = cluster.newClient()) {
        GuardedValue written = client.guardedPut(resource, value, t);
        if (cluster.json()) {
          output.json(guardedJson(written));
        } else {
          output.line(describe(written));
        }
        return 0;
      } catch (FencedException e) {
        output.error(e.getMessage());
        e.highestToken().ifPresent(h -> output.errorDetail("highest token accepted there: " + h));
        return SplitGuardCli.EXIT_FAILED;
      } catch (SplitGuardException e) {
        return fail(output, e, true, "read it with 'lock guarded get " + resource + "' to find out");
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "RESOURCE: " + e.getMessage());
      }
    }
  }

  /** {@code splitguard lock guarded get RESOURCE [--stale]}. */
  @Command(
      name = "get",
      mixinStandardHelpOptions = true,
      description = "Print a guarded resource's value and the token it was written with.")
  static final class GuardedGet implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ClusterOptions cluster;

    @Parameters(index = "0", paramLabel = "RESOURCE", description = "The resource.")
    String resource;

    @Option(names = "--stale", description = "Accept a possibly stale answer from a node's local state.")
    boolean stale;

    @Override
    public Integer call() {
      requireName(spec, "RESOURCE", resource);
      Output output = Output.of(spec).deadline(cluster.timeout());
      try (SplitGuardClient client = cluster.newClient()) {
        Optional<GuardedValue> v =
            client.guardedGet(resource, stale ? Consistency.STALE : Consistency.LINEARIZABLE);
        if (v.isEmpty()) {
          output.error("NOT_FOUND: guarded resource '" + resource + "' was never written"
              + (stale ? " as far as the node that answered knows (stale read)" : ""));
          return SplitGuardCli.EXIT_FAILED;
        }
        if (cluster.json()) {
          output.json(guardedJson(v.get()));
        } else {
          output.line(describe(v.get()));
        }
        return 0;
      } catch (SplitGuardException e) {
        return output.fail(e, false);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "RESOURCE: " + e.getMessage());
      }
    }
  }
}
