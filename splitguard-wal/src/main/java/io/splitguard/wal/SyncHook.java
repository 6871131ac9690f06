package io.splitguard.wal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * How the log makes data durable. Production uses {@link #FSYNC}; tests wrap it to count or pause
 * fsyncs (group commit) or to fail them, without timing anything.
 */
public interface SyncHook {
  /** Makes every write to {@code channel} durable ({@code fdatasync}). */
  void force(FileChannel channel) throws IOException;

  /** Makes the creation, deletion or renaming of files in {@code directory} durable. */
  default void forceDirectory(Path directory) throws IOException {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      // Some platforms cannot open or sync a directory; where they can, a failure is real.
      if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("win")) {
        throw e;
      }
    }
  }

  /** The real thing: {@link FileChannel#force(boolean) force(false)}. */
  SyncHook FSYNC = channel -> channel.force(false);
}
