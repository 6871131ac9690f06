package io.splitguard.core.health;

/** How fit a node considers itself to serve, worst last. */
public enum HealthLevel {
  /** Nothing wrong. */
  HEALTHY,
  /** Something is off (for example disk filling up) but the node can still serve. */
  DEGRADED,
  /** The node should not lead: disk nearly full, fsync very slow, heap exhausted, or just paused. */
  UNHEALTHY
}
