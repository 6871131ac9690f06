package io.splitguard.core.keyspace;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A declared keyspace: its name, partition strategy and (for AP) merge policy.
 *
 * <p>Names are 1 to {@value #MAX_NAME_LENGTH} characters of {@code [A-Za-z0-9._-]}, not {@code .}
 * or {@code ..}. Stricter than keys on purpose: a name is a path segment of every URL that
 * addresses the keyspace's values, a metric label and a CLI argument, and it never contains the
 * separator of {@link KeyspaceKeys}, which is what keeps keyspace keys apart from {@code default}
 * keys.
 *
 * @param name the keyspace name
 * @param mode the partition strategy
 * @param merge the merge policy; present exactly when {@code mode} is {@link KeyspaceMode#AP}
 * @param graceMs for {@link MergePolicy#MANUAL}, how long an operator has to resolve a conflict
 *     before the fallback applies (the fallback belongs to the reconciliation work); 0 otherwise
 * @param revision the registry revision at which the keyspace was declared (0 for {@code default})
 */
public record Keyspace(String name, KeyspaceMode mode, Optional<MergePolicy> merge, long graceMs, long revision) {
  /** The built-in CP keyspace that {@code /v1/kv/{key}} addresses. */
  public static final String DEFAULT = "default";

  /** Longest keyspace name. */
  public static final int MAX_NAME_LENGTH = 64;

  /** Default grace period of a {@link MergePolicy#MANUAL} keyspace: one day. */
  public static final long DEFAULT_GRACE_MS = 86_400_000L;

  /** Longest accepted grace period: one year. */
  public static final long MAX_GRACE_MS = 365L * 86_400_000L;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_NAME_LENGTH + "}");

  /** Validates the fields. */
  public Keyspace {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(merge, "merge");
    String problem = nameProblem(name);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    if ((mode == KeyspaceMode.AP) != merge.isPresent()) {
      throw new IllegalArgumentException(mode == KeyspaceMode.AP
          ? "an AP keyspace needs a merge policy" : "only AP keyspaces take a merge policy");
    }
    if (graceMs < 0 || graceMs > MAX_GRACE_MS) {
      throw new IllegalArgumentException("graceMs must be between 0 and " + MAX_GRACE_MS + ", got " + graceMs);
    }
    if (graceMs != 0 && merge.orElse(null) != MergePolicy.MANUAL) {
      throw new IllegalArgumentException("only MANUAL keyspaces take a grace period");
    }
    if (revision < 0) {
      throw new IllegalArgumentException("revision must be >= 0, got " + revision);
    }
  }

  /** The built-in {@code default} keyspace. */
  public static Keyspace defaultKeyspace() {
    return new Keyspace(DEFAULT, KeyspaceMode.CP, Optional.empty(), 0, 0);
  }

  /**
   * Why {@code name} is not a valid keyspace name, or {@code null} if it is.
   */
  public static String nameProblem(String name) {
    if (name == null || name.isEmpty()) {
      return "name must not be empty";
    }
    if (name.length() > MAX_NAME_LENGTH) {
      return "name is " + name.length() + " characters, more than the limit of " + MAX_NAME_LENGTH;
    }
    if (!NAME.matcher(name).matches()) {
      return "name may only contain letters, digits, '.', '_' and '-', got '" + name + "'";
    }
    if (name.equals(".") || name.equals("..")) {
      return "name must not be '.' or '..'";
    }
    return null;
  }

  /** The declaration this keyspace was created from. */
  public KeyspaceCommand.Declare declaration() {
    return new KeyspaceCommand.Declare(name, mode, merge, graceMs);
  }
}
