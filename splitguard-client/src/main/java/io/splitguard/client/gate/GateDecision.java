package io.splitguard.client.gate;

/**
 * Whether a service may perform a write right now, and if not, why.
 *
 * @param open whether writes may go ahead
 * @param reason why the gate is closed (empty when open)
 */
public record GateDecision(boolean open, String reason) {
  static final GateDecision OPEN = new GateDecision(true, "");

  static GateDecision closed(String reason) {
    return new GateDecision(false, reason);
  }
}
