/**
 * Time and causality for the AP tier.
 *
 * <p>{@link io.splitguard.core.ap.clock.Hlc} timestamps (Kulkarni et al., "Logical Physical Clocks",
 * 2014) order last-writer-wins values consistently with causality while staying close to wall
 * time; {@link io.splitguard.core.ap.clock.HlcClock} refuses to stamp rather than let a skewed wall
 * clock push the cluster's timestamps around. {@link io.splitguard.core.ap.clock.VectorClock}s
 * track causality exactly for the types that keep concurrent writes; entries of decommissioned
 * nodes are collected by {@link io.splitguard.core.ap.clock.VectorClockGc}, which leaves a
 * digest {@link io.splitguard.core.ap.clock.ClockTombstone} behind.
 */
package io.splitguard.core.ap.clock;
