package io.splitguard.chaos.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NetnsCommandsTest {
  private final NetnsPlan plan = new NetnsPlan("2ngdb-0", 77, 3, 8101, 9101);

  private static List<String> lines(List<List<String>> commands) {
    List<String> out = new ArrayList<>();
    commands.forEach(c -> out.add(String.join(" ", c)));
    return out;
  }

  @Test
  void namesAreShortEnoughForLinuxAndCarryThePrefix() {
    NetnsPlan longest = new NetnsPlan(Long.toString(4_194_304L, 36) + "-z", 1, 9, 8101, 9101);
    for (NetnsPlan p : List.of(plan, longest)) {
      assertThat(p.bridge()).hasSizeLessThanOrEqualTo(15).startsWith("sg-" + p.runId() + "-");
      for (int i = 0; i < p.nodes(); i++) {
        assertThat(p.hostVeth(i)).hasSizeLessThanOrEqualTo(15);
        assertThat(p.peerVeth(i)).hasSizeLessThanOrEqualTo(15);
        assertThat(p.namespace(i)).startsWith("sg-" + p.runId() + "-");
      }
    }
    assertThat(plan.nodeAddress(0)).isEqualTo("10.213.77.1");
    assertThat(plan.harnessAddress()).isEqualTo("10.213.77.254");
    assertThat(plan.subnet()).isEqualTo("10.213.77.0/24");
  }

  @Test
  void setupCreatesBridgeNamespacesAndVethsWithPrivateAddressesOnly() {
    List<String> setup = lines(NetnsCommands.setup(plan));
    assertThat(setup).startsWith(
        "ip link add sg-2ngdb-0-br type bridge",
        "ip addr add 10.213.77.254/24 dev sg-2ngdb-0-br",
        "ip link set sg-2ngdb-0-br up");
    assertThat(setup).contains(
        "ip netns add sg-2ngdb-0-n2",
        "ip link add sg-2ngdb-0-v2 type veth peer name sg-2ngdb-0-p2",
        "ip link set sg-2ngdb-0-p2 netns sg-2ngdb-0-n2",
        "ip -n sg-2ngdb-0-n2 link set sg-2ngdb-0-p2 name eth0",
        "ip -n sg-2ngdb-0-n2 addr add 10.213.77.2/24 dev eth0",
        "ip -n sg-2ngdb-0-n2 link set eth0 up",
        "ip -n sg-2ngdb-0-n2 link set lo up",
        "ip link set sg-2ngdb-0-v2 master sg-2ngdb-0-br",
        "ip link set sg-2ngdb-0-v2 up");
    // nothing routes out of the namespaces, and no command touches a device the harness did not create
    assertThat(setup).noneMatch(l -> l.contains("default") || l.contains("route"));
    for (List<String> c : NetnsCommands.setup(plan)) {
      String devices = String.join(" ", c);
      assertThat(devices).containsAnyOf("sg-2ngdb-0-", "eth0", " lo ");
    }
  }

  @Test
  void teardownRemovesVethsNamespacesAndBridge() {
    assertThat(lines(NetnsCommands.teardown(plan))).containsExactly(
        "ip link del sg-2ngdb-0-v1", "ip link del sg-2ngdb-0-v2", "ip link del sg-2ngdb-0-v3",
        "ip netns del sg-2ngdb-0-n1", "ip netns del sg-2ngdb-0-n2", "ip netns del sg-2ngdb-0-n3",
        "ip link del sg-2ngdb-0-br");
  }

  private static final String HEADER = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n";

  @Test
  void aHalvesPartitionDropsEachDirectionAtItsReceiver() {
    Set<Link> links = Link.acrossSides(List.of(Set.of(0), Set.of(1, 2)));
    assertThat(NetnsCommands.filterTable(plan, 0, links, 0)).isEqualTo(HEADER
        + "-A INPUT -s 10.213.77.2 -j DROP\n-A INPUT -s 10.213.77.3 -j DROP\nCOMMIT\n");
    assertThat(NetnsCommands.filterTable(plan, 1, links, 0)).isEqualTo(HEADER + "-A INPUT -s 10.213.77.1 -j DROP\nCOMMIT\n");
    assertThat(NetnsCommands.filterTable(plan, 2, links, 0)).isEqualTo(HEADER + "-A INPUT -s 10.213.77.1 -j DROP\nCOMMIT\n");
    assertThat(String.join(" ", NetnsCommands.restoreFilter(plan, 1)))
        .isEqualTo("ip netns exec sg-2ngdb-0-n2 iptables-restore -w");
  }

  @Test
  void aOneWayPartitionDropsOneDirectionOnly() {
    Set<Link> links = Link.oneWay(Set.of(1, 2), Set.of(0));
    assertThat(NetnsCommands.filterTable(plan, 0, links, 0)).isEqualTo(HEADER
        + "-A INPUT -s 10.213.77.2 -j DROP\n-A INPUT -s 10.213.77.3 -j DROP\nCOMMIT\n");
    assertThat(NetnsCommands.filterTable(plan, 1, links, 0)).isEqualTo(HEADER + "COMMIT\n");
    assertThat(NetnsCommands.filterTable(plan, 2, links, 0)).isEqualTo(HEADER + "COMMIT\n");
  }

  @Test
  void theHarnessAddressIsNeverFiltered() {
    Set<Link> all = Link.acrossSides(List.of(Set.of(0), Set.of(1), Set.of(2)));
    for (int i = 0; i < 3; i++) {
      assertThat(NetnsCommands.filterTable(plan, i, all, 5)).doesNotContain(plan.harnessAddress())
          .contains("-A INPUT -s");
    }
  }

  @Test
  void theHealedFilterIsEmptyAndShapingIsDeleted() {
    for (int i = 0; i < 3; i++) {
      assertThat(NetnsCommands.filterTable(plan, i, Set.of(), 0)).isEqualTo(HEADER + "COMMIT\n");
    }
    assertThat(String.join(" ", NetnsCommands.healShaping(plan, 2)))
        .isEqualTo("ip netns exec sg-2ngdb-0-n3 tc qdisc del dev eth0 root");
  }

  @Test
  void netemShapesOnlyNodeToNodeTraffic() {
    assertThat(NetnsCommands.netemBatch(plan, new NetworkShaping(Duration.ofMillis(200), Duration.ofMillis(40), 5)))
        .isEqualTo("""
            qdisc add dev eth0 root handle 1: htb default 1 r2q 10000
            class add dev eth0 parent 1: classid 1:1 htb rate 10gbit
            class add dev eth0 parent 1: classid 1:2 htb rate 10gbit
            qdisc add dev eth0 parent 1:2 handle 20: netem delay 200ms 40ms loss 5%
            filter add dev eth0 parent 1: protocol ip prio 1 u32 match ip dst 10.213.77.254/32 flowid 1:1
            filter add dev eth0 parent 1: protocol ip prio 2 u32 match ip dst 10.213.77.0/24 flowid 1:2
            """);
    assertThat(NetnsCommands.netemBatch(plan, new NetworkShaping(Duration.ofMillis(100), Duration.ZERO, 0)))
        .contains("handle 20: netem delay 100ms\n");
    assertThat(String.join(" ", NetnsCommands.tcBatch(plan, 0))).isEqualTo("ip netns exec sg-2ngdb-0-n1 tc -batch -");
  }

  @Test
  void lossWithoutNetemDropsAShareFromEachPeer() {
    assertThat(NetnsCommands.filterTable(plan, 0, Set.of(), 2.5)).isEqualTo(HEADER
        + "-A INPUT -s 10.213.77.2 -m statistic --mode random --probability 0.0250 -j DROP\n"
        + "-A INPUT -s 10.213.77.3 -m statistic --mode random --probability 0.0250 -j DROP\nCOMMIT\n");
  }

  @Test
  void filtersRefuseNodesOutsideThePlan() {
    assertThatThrownBy(() -> NetnsCommands.filterTable(plan, 0, Set.of(new Link(0, 3)), 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> NetnsCommands.filterTable(plan, 3, Set.of(), 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theRunSubnetAvoidsAnythingTheMachineRoutes() {
    String ip = """
        2: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0
        default via 192.0.2.1 dev eth0
        10.213.5.0/24 dev sg-abc-0-br proto kernel scope link src 10.213.5.254
        10.213.6.0/23 via 192.0.2.9 dev eth0
        """;
    assertThat(NetnsPlan.chooseOctet(ip, 5)).isEqualTo(8);
    assertThat(NetnsPlan.chooseOctet(ip, 4)).isEqualTo(4);
    assertThat(NetnsPlan.chooseOctet(ip, 255)).isEqualTo(255);
  }

  @Test
  void aRoutedTenSlashEightLeavesNoSubnet() {
    assertThatThrownBy(() -> NetnsPlan.chooseOctet("10.0.0.0/8 via 192.0.2.1\n", 1))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void runIdsEncodeThePidAndSkipTakenNames() {
    assertThat(NetnsPlan.chooseRunId(4242, List.of())).isEqualTo(Long.toString(4242, 36) + "-0");
    assertThat(NetnsPlan.chooseRunId(4242, List.of("sg-39u-0-n1", "sg-39u-1-br"))).isEqualTo("39u-2");
    assertThat(NetnsPlan.ownerPid("sg-39u-2-n1", "sg-")).contains(4242L);
    assertThat(NetnsPlan.ownerPid("sg-39u-2-v3", "sg-")).contains(4242L);
    assertThat(NetnsPlan.ownerPid("sg-39u-2-br", "sg-")).contains(4242L);
    assertThat(NetnsPlan.ownerPid("eth0", "sg-")).isEmpty();
    assertThat(NetnsPlan.ownerPid("sg-something-else", "sg-")).isEmpty();
  }

  @Test
  void onlyLeftoversOfDeadHarnessesAreStale() {
    long self = ProcessHandle.current().pid();
    long dead = deadPid();
    String mine = "sg-" + Long.toString(self, 36) + "-0-n1";
    String theirs = "sg-" + Long.toString(dead, 36) + "-0-n1";
    assertThat(NetnsLauncher.staleNames(List.of(mine, theirs, "eth0", "docker0"), "sg-", self))
        .containsExactly(theirs);
  }

  /** A pid that no process has right now. */
  private static long deadPid() {
    for (long pid = 4_000_000; ; pid--) {
      if (ProcessHandle.of(pid).isEmpty()) {
        return pid;
      }
    }
  }
}
