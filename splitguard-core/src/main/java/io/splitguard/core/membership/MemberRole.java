package io.splitguard.core.membership;

/** A member's part in consensus. */
public enum MemberRole {
  /** Votes in elections and counts towards the commit majority. */
  VOTER,
  /** Receives the log (a non-voting learner) but neither votes nor counts for commits. */
  LISTENER
}
