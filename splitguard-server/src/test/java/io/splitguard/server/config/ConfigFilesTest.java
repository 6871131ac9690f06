package io.splitguard.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitguard.core.config.InvalidConfigException;
import io.splitguard.core.config.NodeSettings;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConfigFilesTest {
  private static final String YAML = """
      cluster:
        members:
          - {id: n1, raft: "127.0.0.1:9101", api: "127.0.0.1:8101"}
          - {id: n2, raft: "127.0.0.1:9102", api: "127.0.0.1:8102"}
      """;

  @Test
  void readsYamlAndJsonClusterFiles() {
    ClusterFile.Parsed yaml = ClusterFile.parse("c.yaml", YAML);
    assertThat(yaml.name()).isEqualTo("splitguard");
    assertThat(yaml.spec().members()).hasSize(2);
    ClusterFile.Parsed json = ClusterFile.parse("c.json",
        "{\"cluster\": {\"name\": \"prod\", \"members\": [{\"id\": \"a\", \"raft\": \"h:1\", \"api\": \"h:2\"}]}}");
    assertThat(json.name()).isEqualTo("prod");
    assertThat(json.spec().members().get(0).api().port()).isEqualTo(2);
  }

  @Test
  void clusterFileErrorsNameTheFileAndField() {
    assertThatThrownBy(() -> ClusterFile.parse("c.yaml", "cluster: [")).hasMessageStartingWith("c.yaml: not valid YAML");
    assertThatThrownBy(() -> ClusterFile.parse("c.yaml", "nodes: []")).hasMessageContaining("unknown field 'nodes'");
    assertThatThrownBy(() -> ClusterFile.parse("c.yaml", "cluster: {members: []}")).hasMessageContaining("cluster.members must be a non-empty list");
    assertThatThrownBy(() -> ClusterFile.parse("c.yaml", "cluster: {members: [{id: n1, api: \"h:1\"}]}"))
        .hasMessageContaining("cluster.members[0].raft is required");
    assertThatThrownBy(() -> ClusterFile.parse("c.yaml", "cluster: {members: [{id: n1, raft: \"h:1\", api: \"h\"}]}"))
        .hasMessageContaining("cluster.members[0].api");
    assertThatThrownBy(() -> ClusterFile.parse("c.yaml", "cluster: {members: [{id: \"n 1\", raft: \"h:1\", api: \"h:2\"}]}"))
        .hasMessageContaining("cluster.members[0].id");
    assertThatThrownBy(() -> ClusterFile.read(Path.of("/nonexistent/cluster.yaml")))
        .isInstanceOf(ConfigFileException.class).hasMessageContaining("cannot read cluster file /nonexistent/cluster.yaml");
  }

  @Test
  void settingsDefaultWhenAbsentAndParseDurations() {
    assertThat(SettingsFile.parse("s", "")).isEqualTo(NodeSettings.defaults());
    NodeSettings s = SettingsFile.parse("s", "requestTimeout: 8s\nheartbeatInterval: 50ms\nmaxValueBytes: 2048\n");
    assertThat(s.requestTimeout()).isEqualTo(Duration.ofSeconds(8));
    assertThat(s.heartbeatInterval()).isEqualTo(Duration.ofMillis(50));
    assertThat(s.maxValueBytes()).isEqualTo(2048);
  }

  @Test
  void apSettingsDefaultWhenAbsentAndErrorsNameTheField() {
    assertThat(SettingsFile.parseAp("s", "requestTimeout: 8s\n")).isEqualTo(io.splitguard.server.ap.ApSettings.defaults());
    io.splitguard.server.ap.ApSettings ap = SettingsFile.parseAp("s", "ap:\n  maxClockOffset: 250ms\n  antiEntropyInterval: 1s\n");
    assertThat(ap.maxClockOffset()).isEqualTo(Duration.ofMillis(250));
    assertThat(ap.replication().antiEntropyInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(SettingsFile.parse("s", "ap:\n  maxClockOffset: 250ms\n")).isEqualTo(NodeSettings.defaults());
    assertThatThrownBy(() -> SettingsFile.parseAp("s", "ap:\n  maxClockOffset: soon\n"))
        .hasMessageContaining("ap.maxClockOffset");
    assertThatThrownBy(() -> SettingsFile.parseAp("s", "ap:\n  offset: 1s\n")).hasMessageContaining("offset");
    assertThatThrownBy(() -> SettingsFile.parseAp("s", "ap:\n  maxClockOffset: 0ms\n")).hasMessageContaining("maxClockOffset");
    io.splitguard.server.ap.ApSettings bounds =
        SettingsFile.parseAp("s", "ap:\n  historyMaxEntries: 20\n  snapshotEveryRecords: 500\n");
    assertThat(bounds.store()).isEqualTo(new io.splitguard.server.ap.ApStoreSettings(20, 500));
    assertThatThrownBy(() -> SettingsFile.parseAp("s", "ap:\n  historyMaxEntries: 0\n"))
        .hasMessageContaining("ap.historyMaxEntries");
    assertThatThrownBy(() -> SettingsFile.parseAp("s", "ap:\n  snapshotEveryRecords: many\n"))
        .hasMessageContaining("ap.snapshotEveryRecords");
  }

  @Test
  void theMembershipSectionHasDefaultsAndIsValidatedWithTheFieldNamed() {
    assertThat(SettingsFile.parseMembership("s", "requestTimeout: 8s\n"))
        .isEqualTo(io.splitguard.core.membership.MembershipSettings.defaults());
    io.splitguard.core.membership.MembershipSettings m = SettingsFile.parseMembership("s",
        "membership:\n  autoDemote: true\n  grace: 3s\n  stabilityWindow: 0s\n  maxLagEntries: 50\n");
    assertThat(m.autoDemote()).isTrue();
    assertThat(m.grace()).isEqualTo(Duration.ofSeconds(3));
    assertThat(m.stabilityWindow()).isZero();
    assertThat(m.maxLagEntries()).isEqualTo(50);
    assertThat(SettingsFile.parse("s", "membership:\n  autoDemote: true\n")).isEqualTo(NodeSettings.defaults());
    assertThatThrownBy(() -> SettingsFile.parseMembership("s", "membership:\n  grace: 0ms\n"))
        .hasMessageContaining("membership.grace must be positive");
    assertThatThrownBy(() -> SettingsFile.parseMembership("s", "membership:\n  autoDemote: yes please\n"))
        .hasMessageContaining("membership.autoDemote must be true or false");
    assertThatThrownBy(() -> SettingsFile.parseMembership("s", "membership:\n  maxLagEntries: 0\n"))
        .hasMessageContaining("membership.maxLagEntries must be at least 1");
    assertThatThrownBy(() -> SettingsFile.parseMembership("s", "membership:\n  window: 1s\n"))
        .hasMessageContaining("window");
  }

  @Test
  void promptElectionIsOnUnlessSwitchedOffAndMustBeABoolean() {
    assertThat(SettingsFile.parsePromptElection("s", "requestTimeout: 8s\n")).isTrue();
    assertThat(SettingsFile.parsePromptElection("s", "")).isTrue();
    assertThat(SettingsFile.parsePromptElection("s", "promptElection: false\n")).isFalse();
    assertThat(SettingsFile.parse("s", "promptElection: false\n")).isEqualTo(NodeSettings.defaults());
    assertThatThrownBy(() -> SettingsFile.parsePromptElection("s", "promptElection: sometimes\n"))
        .hasMessageContaining("promptElection must be true or false, got 'sometimes'");
  }

  @Test
  void settingsErrorsNameTheField() {
    assertThatThrownBy(() -> SettingsFile.parse("s", "heartbeatInterval: fast")).hasMessageContaining("heartbeatInterval: 'fast' is not a duration");
    assertThatThrownBy(() -> SettingsFile.parse("s", "maxKeyBytes: many")).hasMessageContaining("maxKeyBytes must be an integer");
    assertThatThrownBy(() -> SettingsFile.parse("s", "heartbeat: 1s")).hasMessageContaining("unknown field 'heartbeat'");
    assertThatThrownBy(() -> SettingsFile.parse("s", "electionTimeoutMin: 3s"))
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining("electionTimeoutMax (2000 ms) must be greater than electionTimeoutMin (3000 ms)");
  }

  @Test
  void fencingSettingsParseAndTheFenceBeforeElectRuleIsEnforced() {
    NodeSettings s = SettingsFile.parse("s", "fencing:\n  lease: 700ms\n  actuatorTimeout: 200ms\n"
        + "  file: /run/x/primary\n  command: [/usr/bin/demote, --now]\n");
    assertThat(s.fencing().lease()).isEqualTo(Duration.ofMillis(700));
    assertThat(s.fencing().actuatorTimeout()).isEqualTo(Duration.ofMillis(200));
    assertThat(s.fencing().file()).contains(java.nio.file.Path.of("/run/x/primary"));
    assertThat(s.fencing().command()).containsExactly("/usr/bin/demote", "--now");
    assertThatThrownBy(() -> SettingsFile.parse("s", "fencing:\n  actuatorTimeout: 2s\n"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("fence before elect does not hold")
        .hasMessageContaining("fencing.actuatorTimeout 2000 ms");
    assertThatThrownBy(() -> SettingsFile.parse("s", "fencing:\n  leese: 1s\n"))
        .hasMessageContaining("unknown field 'fencing.leese'");
    assertThatThrownBy(() -> SettingsFile.parse("s", "fencing:\n  command: /bin/true\n"))
        .hasMessageContaining("fencing.command must be a non-empty list");
    assertThatThrownBy(() -> SettingsFile.parse("s", "fencing:\n  lease: soon\n"))
        .hasMessageContaining("fencing.lease: 'soon' is not a duration");
  }

  @Test
  void aDetectorProfileSetsTheDetectorDefaultsAndExplicitKeysStillWin() {
    NodeSettings strict = SettingsFile.parse("s", "detectorProfile: strict\n");
    assertThat(strict.phiThreshold()).isEqualTo(5.0);
    assertThat(strict.acceptablePause()).isEqualTo(Duration.ofMillis(200));
    NodeSettings tuned = SettingsFile.parse("s", "detectorProfile: strict\nphiThreshold: 6\n");
    assertThat(tuned.phiThreshold()).isEqualTo(6.0);
    assertThatThrownBy(() -> SettingsFile.parse("s", "detectorProfile: wan\n"))
        .hasMessageContaining("detectorProfile").hasMessageContaining("lan, strict, dev");
    // dev tolerates 3 s of silence: with the default election timeouts detection would come too
    // late, and the node says so.
    assertThatThrownBy(() -> SettingsFile.parse("s", "detectorProfile: dev\n"))
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining("failure detection takes up to");
    assertThat(SettingsFile.parse("s", "detectorProfile: dev\nelectionTimeoutMin: 4s\nelectionTimeoutMax: 8s\n"
        + "requestTimeout: 16s\nfencing:\n  lease: 2500ms\n").phiThreshold()).isEqualTo(12.0);
  }
}
