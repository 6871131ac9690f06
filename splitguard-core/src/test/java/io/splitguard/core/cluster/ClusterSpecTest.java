package io.splitguard.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterSpecTest {
  private static ClusterMember m(String id, int raft, int api) {
    return new ClusterMember(NodeId.of(id), new HostPort("127.0.0.1", raft), new HostPort("127.0.0.1", api));
  }

  @Test
  void quorumIsAMajority() {
    assertThat(new ClusterSpec(List.of(m("a", 1, 2))).quorumSize()).isEqualTo(1);
    assertThat(new ClusterSpec(List.of(m("a", 1, 2), m("b", 3, 4), m("c", 5, 6))).quorumSize()).isEqualTo(2);
    assertThat(new ClusterSpec(List.of(m("a", 1, 2), m("b", 3, 4), m("c", 5, 6), m("d", 7, 8))).quorumSize()).isEqualTo(3);
  }

  @Test
  void refusesDuplicateIdsAndAddresses() {
    assertThatThrownBy(() -> new ClusterSpec(List.of(m("a", 1, 2), m("a", 3, 4)))).hasMessageContaining("duplicate id a");
    assertThatThrownBy(() -> new ClusterSpec(List.of(m("a", 1, 2), m("b", 2, 4)))).hasMessageContaining("127.0.0.1:2 used twice");
  }

  @Test
  void unknownMemberErrorListsKnownIds() {
    ClusterSpec spec = new ClusterSpec(List.of(m("a", 1, 2), m("b", 3, 4)));
    assertThatThrownBy(() -> spec.require(NodeId.of("z"))).hasMessageContaining("'z'").hasMessageContaining("[a, b]");
  }

  @Test
  void parsesAddresses() {
    assertThat(HostPort.parse("10.0.0.1:9101")).isEqualTo(new HostPort("10.0.0.1", 9101));
    assertThat(HostPort.parse("[::1]:80")).isEqualTo(new HostPort("::1", 80));
    assertThat(HostPort.parse("[::1]:80").toString()).isEqualTo("[::1]:80");
    assertThatThrownBy(() -> HostPort.parse("host")).hasMessageContaining("not host:port");
    assertThatThrownBy(() -> HostPort.parse("host:x")).hasMessageContaining("non-numeric port");
    assertThatThrownBy(() -> HostPort.parse("host:70000")).hasMessageContaining("1-65535");
    assertThatThrownBy(() -> NodeId.of("bad id")).hasMessageContaining("invalid node id");
  }
}
