package io.splitguard.core.registry;

/** An infrastructure failure of the {@link Registry}; never an application-level result. */
public abstract sealed class RegistryException extends RuntimeException
    permits OutcomeUnknownException, NoLeaderException {
  private static final long serialVersionUID = 1L;

  RegistryException(String message, Throwable cause) {
    super(message, cause);
  }
}
