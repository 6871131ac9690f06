package io.splitguard.chaos.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes the cluster file and the node settings file a launcher hands to its nodes. */
final class ClusterFiles {
  private ClusterFiles() {}

  /**
   * A member of the cluster file.
   *
   * @param id node id
   * @param raft host:port of the Raft server
   * @param api host:port of the HTTP API (and of the UDP heartbeats)
   */
  record Member(String id, String raft, String api) {}

  static String clusterYaml(String name, List<Member> members) {
    StringBuilder yaml = new StringBuilder("cluster:\n  name: \"").append(name).append("\"\n  members:\n");
    for (Member m : members) {
      yaml.append("    - {id: ").append(m.id()).append(", raft: \"").append(m.raft())
          .append("\", api: \"").append(m.api()).append("\"}\n");
    }
    return yaml.toString();
  }

  static Path writeCluster(Path runDir, String name, List<Member> members) throws IOException {
    return Files.writeString(runDir.resolve("cluster.yaml"), clusterYaml(name, members));
  }

  /** Writes the settings file, or returns {@code null} when the nodes use their defaults. */
  static Path writeSettings(Path runDir, String settingsYaml) throws IOException {
    return settingsYaml == null ? null : Files.writeString(runDir.resolve("node.yaml"), settingsYaml);
  }
}
