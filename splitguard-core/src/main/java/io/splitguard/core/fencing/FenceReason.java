package io.splitguard.core.fencing;

/** Why a node fenced itself. */
public enum FenceReason {
  /** The failure detector sees no majority of voting members (after having seen one). */
  QUORUM_LOST("the failure detector reaches no majority of the voting members"),
  /** This node leads, but no majority has answered its Raft appends for one fencing lease. */
  LEADER_LEASE_EXPIRED("as leader, no majority answered for longer than the fencing lease"),
  /**
   * This process stopped running for longer than the pause threshold (GC, SIGSTOP, a stalled
   * VM), or has just come back from such a pause and is still in quarantine.
   */
  PROCESS_PAUSE("the process was paused for longer than the pause threshold");

  private final String description;

  FenceReason(String description) {
    this.description = description;
  }

  /** One line for humans: status output and the audit log. */
  public String description() {
    return description;
  }
}
