package io.splitguard.wal;

import java.util.Arrays;

/**
 * A snapshot: the state of everything up to and including {@code index}.
 *
 * @param index the last log index the state includes
 * @param state the serialized state
 */
public record WalSnapshot(long index, byte[] state) {
  /** Copies the state. */
  public WalSnapshot {
    state = state.clone();
  }

  /** A copy of the state. */
  @Override
  public byte[] state() {
    return state.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WalSnapshot s && s.index == index && Arrays.equals(s.state, state);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(index) * 31 + Arrays.hashCode(state);
  }

  @Override
  public String toString() {
    return "WalSnapshot[index=" + index + ", " + state.length + " bytes]";
  }
}
