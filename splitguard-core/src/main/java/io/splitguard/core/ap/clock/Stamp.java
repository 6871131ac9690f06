package io.splitguard.core.ap.clock;

/**
 * The clock a stored value carries: an {@link Hlc} for last-writer-wins values, a
 * {@link VectorClock} (the write's causal context) for values that keep concurrent writes. Sealed
 * so that the audit log and codecs can handle every kind.
 */
public sealed interface Stamp permits Hlc, VectorClock {}
