package io.splitguard.core.registry;

/**
 * The request may or may not have taken effect (for example it timed out after being sent to the
 * leader). Clients must be told exactly that, never "failed".
 */
public final class OutcomeUnknownException extends RegistryException {
  private static final long serialVersionUID = 1L;

  /** @param message what happened, @param cause the underlying failure, if any */
  public OutcomeUnknownException(String message, Throwable cause) {
    super(message, cause);
  }
}
