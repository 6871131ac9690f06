package io.splitguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The SplitGuard API v1 encoding the benchmarks use. */
class SplitGuardProtocolTest {

  private final SplitGuardProtocol sg = new SplitGuardProtocol();

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void requests() {
    assertThat(sg.put("a b", "x\"y").path()).isEqualTo("/v1/kv/a%20b");
    assertThat(new String(sg.put("k", "x\"y").body(), StandardCharsets.UTF_8))
        .isEqualTo("{\"value\":\"x\\\"y\"}");
    assertThat(sg.get("k", true).path()).isEqualTo("/v1/kv/k?consistency=stale");
    assertThat(sg.get("k", false).path()).isEqualTo("/v1/kv/k?consistency=linearizable");
    assertThat(sg.compareAndSet("k", "v", 0).headers()).containsEntry("If-Match", "0");
  }

  @Test
  void answers() {
    KvProtocol.Reply read = sg.readReply(200, bytes("{\"key\":\"k\",\"value\":\"v\",\"revision\":5}"));
    assertThat(read.value()).isEqualTo("v");
    assertThat(read.revision()).isEqualTo(5);
    assertThat(sg.casReply(409, bytes("{\"code\":\"CONFLICT\",\"status\":409}")).error())
        .isEqualTo(KvProtocol.CONFLICT);
    assertThat(sg.readReply(404, bytes("{\"code\":\"NOT_FOUND\"}")).error())
        .isEqualTo(KvProtocol.NOT_FOUND);
    assertThat(sg.writeReply(502, bytes("<html>")).error()).isEqualTo("HTTP_502");
    assertThat(sg.isLeader(200, bytes("{\"role\":\"LEADER\",\"leaderId\":\"n1\"}"))).contains(true);
    assertThat(sg.isLeader(200, bytes("{\"role\":\"FOLLOWER\",\"leaderId\":\"n1\"}"))).contains(false);
    assertThat(sg.isLeader(200, bytes("{\"role\":\"FOLLOWER\",\"leaderId\":null}"))).isEmpty();
  }
}
