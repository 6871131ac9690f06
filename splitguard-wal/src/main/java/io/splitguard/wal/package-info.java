/**
 * The node-local write-ahead log of the AP tier: segmented append-only files, each record framed
 * with its length, a CRC-32C and a monotonically increasing index; appends acknowledged after an
 * fsync shared by every record appended meanwhile (group commit); on open, a torn or corrupt tail
 * is cut back to the last good record and reported; snapshots let covered segments be deleted.
 *
 * <p>{@link io.splitguard.wal.Wal} is the port, {@link io.splitguard.wal.FileWal} the file
 * adapter. The on-disk format and the crash guarantees are described in {@code docs/ap-tier.md}.
 */
package io.splitguard.wal;
