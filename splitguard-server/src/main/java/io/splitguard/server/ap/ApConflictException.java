package io.splitguard.server.ap;

import io.splitguard.core.ap.crdt.ManualRegister;

/** A write to a MANUAL key that is in conflict: it must be resolved first. */
public final class ApConflictException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient ManualRegister register;

  /** @param register the register in conflict, with its siblings */
  public ApConflictException(ManualRegister register) {
    super("key '" + register.key() + "' is in conflict (" + register.siblings().size()
        + " siblings); resolve it with POST .../resolve before writing");
    this.register = register;
  }

  /** The register in conflict. */
  public ManualRegister register() {
    return register;
  }
}
