package io.splitguard.client.gate;

/** A write was stopped by a closed {@link WriteGate}; the message says why. */
public final class WriteGateClosedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /** With the gate's reason. */
  public WriteGateClosedException(String reason) {
    super("write refused by the SplitGuard write gate: " + reason);
  }
}
