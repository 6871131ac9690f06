package io.splitguard.server.fencing;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitguard.core.cluster.NodeId;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fence file on a real file system. */
class FenceFileTest {
  @TempDir Path dir;

  @Test
  void createNamesNodeAndTermAndRemoveDeletesIt() throws Exception {
    FenceFile f = new FenceFile(dir.resolve("sub/primary"));
    f.create(NodeId.of("n2"), 9);
    assertThat(Files.readString(f.path())).isEqualTo("node=n2\nterm=9\n");
    assertThat(dir.resolve("sub/primary.tmp")).doesNotExist();
    f.create(NodeId.of("n2"), 10);
    assertThat(Files.readString(f.path())).contains("term=10");
    assertThat(f.remove()).isTrue();
    assertThat(f.path()).doesNotExist();
    assertThat(f.remove()).isFalse();
  }
}
