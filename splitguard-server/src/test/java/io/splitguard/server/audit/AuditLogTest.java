package io.splitguard.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitguard.core.cluster.NodeId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hash-chained audit log on a real file. */
class AuditLogTest {
  @TempDir Path dir;

  @Test
  void recordsChainAcrossReopensAndVerify() throws IOException {
    Path file = dir.resolve("audit.log");
    try (AuditLog log = AuditLog.open(NodeId.of("n1"), file, () -> 1000)) {
      log.record("node_fenced", Map.of("reason", "QUORUM_LOST", "term", 3));
      log.record("node_unfenced", Map.of());
    }
    try (AuditLog log = AuditLog.open(NodeId.of("n1"), file, () -> 2000)) {
      log.record("process_pause", Map.of("pauseMs", 4000));
    }
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).contains("\"seq\":1").contains("\"event\":\"node_fenced\"")
        .contains("\"reason\":\"QUORUM_LOST\"").contains("\"prevHash\":\"" + AuditLog.GENESIS + "\"");
    assertThat(lines.get(2)).contains("\"seq\":3").contains("\"prevHash\":\"" + AuditLog.sha256(lines.get(1)) + "\"");
    assertThat(AuditLog.verify(file).intact()).isTrue();
    assertThat(AuditLog.verify(file).records()).isEqualTo(3);
  }

  @Test
  void anEditedLineBreaksTheChainAndTheLogRefusesToContinue() throws IOException {
    Path file = dir.resolve("audit.log");
    try (AuditLog log = AuditLog.open(NodeId.of("n1"), file, () -> 1000)) {
      log.record("a", Map.of("v", 1));
      log.record("b", Map.of("v", 2));
      log.record("c", Map.of("v", 3));
    }
    List<String> lines = Files.readAllLines(file);
    Files.write(file, List.of(lines.get(0), lines.get(1).replace("\"v\":2", "\"v\":20"), lines.get(2)));
    AuditLog.Verification v = AuditLog.verify(file);
    assertThat(v.intact()).isFalse();
    assertThat(v.problem()).contains("line 3");
    assertThatThrownBy(() -> AuditLog.open(NodeId.of("n1"), file, () -> 1)).hasMessageContaining("broken");
  }
}
