package io.splitguard.wal;

import java.util.Arrays;

/**
 * One record read back from the log.
 *
 * @param index its position in the log, from 1
 * @param payload its bytes
 */
public record WalRecord(long index, byte[] payload) {
  /** Copies the payload, so the record stays immutable. */
  public WalRecord {
    payload = payload.clone();
  }

  /** A copy of the payload. */
  @Override
  public byte[] payload() {
    return payload.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WalRecord r && r.index == index && Arrays.equals(r.payload, payload);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(index) * 31 + Arrays.hashCode(payload);
  }

  @Override
  public String toString() {
    return "WalRecord[index=" + index + ", " + payload.length + " bytes]";
  }
}
