package io.splitguard.server.fencing;

import io.splitguard.core.cluster.NodeId;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The fence file (the {@code .primary} idea): present only while this node leads with a quorum.
 * Something outside the JVM (a supervisor, a load balancer health check, the service next to the
 * node) can act on its presence without speaking HTTP.
 *
 * <p>Created atomically (written to a temporary file, fsynced, renamed, directory fsynced) so a
 * reader never sees half a file; removal is fsynced too, so a crash right after fencing cannot
 * bring the file back.
 */
public final class FenceFile {
  private final Path file;

  /** A fence file at {@code file}. */
  public FenceFile(Path file) {
    this.file = file.toAbsolutePath();
  }

  /** Where the file lives. */
  public Path path() {
    return file;
  }

  /** Writes the file, naming the node and the term it leads. */
  public void create(NodeId self, long term) throws IOException {
    Path dir = file.getParent();
    Files.createDirectories(dir);
    Path tmp = dir.resolve(file.getFileName() + ".tmp");
    String content = "node=" + self.value() + "\nterm=" + term + "\n";
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(StandardCharsets.UTF_8.encode(content));
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    syncDirectory(dir);
  }

  /**
   * Deletes the file if present.
   *
   * @return whether it was present
   */
  public boolean remove() throws IOException {
    boolean existed = Files.deleteIfExists(file);
    if (existed) {
      syncDirectory(file.getParent());
    }
    return existed;
  }

  private static void syncDirectory(Path dir) {
    // Directory fsync makes the rename or unlink durable; not every platform allows opening a
    // directory, and there it is skipped (the OS then gives no stronger guarantee anyway).
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // best effort, see above
    }
  }
}
