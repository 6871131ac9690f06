package io.splitguard.core.config;

import java.util.List;

/** A configuration was refused; {@link #problems()} names every field at fault and why. */
public final class InvalidConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final List<String> problems;

  /** @param problems one sentence per problem, each naming its field */
  public InvalidConfigException(List<String> problems) {
    super("invalid configuration:\n  - " + String.join("\n  - ", problems));
    this.problems = List.copyOf(problems);
  }

  /** The problems, one sentence each. */
  public List<String> problems() {
    return problems;
  }
}
