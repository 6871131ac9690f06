package io.splitguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The etcd v3 JSON gateway encoding: what each operation sends and how answers are read. */
class EtcdProtocolTest {

  private final EtcdProtocol etcd = new EtcdProtocol();
  private final ObjectMapper json = new ObjectMapper();

  private JsonNode body(KvProtocol.Call call) throws IOException {
    return json.readTree(call.body());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void put_postsBase64KeyAndValue() throws IOException {
    KvProtocol.Call call = etcd.put("bench-7", "hello");

    assertThat(call.method()).isEqualTo("POST");
    assertThat(call.path()).isEqualTo("/v3/kv/put");
    JsonNode b = body(call);
    assertThat(b.get("key").asText()).isEqualTo("YmVuY2gtNw==");
    assertThat(b.get("value").asText()).isEqualTo("aGVsbG8=");
    assertThat(b.size()).isEqualTo(2);
  }

  @Test
  void get_linearizableByDefault_serializableForStale() throws IOException {
    JsonNode linearizable = body(etcd.get("k", false));
    JsonNode stale = body(etcd.get("k", true));

    assertThat(etcd.get("k", false).path()).isEqualTo("/v3/kv/range");
    assertThat(linearizable.has("serializable")).isFalse();
    assertThat(stale.get("serializable").asBoolean()).isTrue();
    assertThat(stale.get("key").asText()).isEqualTo(EtcdProtocol.b64("k"));
  }

  @Test
  void compareAndSet_comparesModRevisionAndPutsOnSuccess() throws IOException {
    KvProtocol.Call call = etcd.compareAndSet("k", "v2", 42);

    assertThat(call.path()).isEqualTo("/v3/kv/txn");
    JsonNode b = body(call);
    JsonNode compare = b.get("compare").get(0);
    assertThat(compare.get("key").asText()).isEqualTo(EtcdProtocol.b64("k"));
    assertThat(compare.get("target").asText()).isEqualTo("MOD");
    assertThat(compare.get("result").asText()).isEqualTo("EQUAL");
    // int64 fields travel as JSON strings through the gateway.
    assertThat(compare.get("mod_revision").isTextual()).isTrue();
    assertThat(compare.get("mod_revision").asText()).isEqualTo("42");
    JsonNode put = b.get("success").get(0).get("request_put");
    assertThat(put.get("value").asText()).isEqualTo(EtcdProtocol.b64("v2"));
  }

  @Test
  void compareAndSet_ofMissingKey_comparesWithZero() throws IOException {
    assertThat(body(etcd.compareAndSet("k", "v", 0)).get("compare").get(0).get("mod_revision").asText())
        .isEqualTo("0");
  }

  @Test
  void putAnswer_revisionFromHeader() {
    KvProtocol.Reply r = etcd.writeReply(200, bytes(
        "{\"header\":{\"cluster_id\":\"1\",\"member_id\":\"2\",\"revision\":\"17\",\"raft_term\":\"3\"}}"));

    assertThat(r.ok()).isTrue();
    assertThat(r.revision()).isEqualTo(17);
  }

  @Test
  void rangeAnswer_decodesValueAndModRevision() {
    String answer = "{\"header\":{\"revision\":\"20\"},\"kvs\":[{\"key\":\"" + EtcdProtocol.b64("k")
        + "\",\"create_revision\":\"3\",\"mod_revision\":\"9\",\"version\":\"2\",\"value\":\""
        + EtcdProtocol.b64("héllo") + "\"}],\"count\":\"1\"}";

    KvProtocol.Reply r = etcd.readReply(200, bytes(answer));

    assertThat(r.ok()).isTrue();
    assertThat(r.revision()).isEqualTo(9);
    assertThat(r.value()).isEqualTo("héllo");
  }

  @Test
  void rangeAnswer_camelCaseNamesAndEmptyValue() {
    KvProtocol.Reply r = etcd.readReply(200, bytes(
        "{\"header\":{},\"kvs\":[{\"key\":\"aw==\",\"modRevision\":\"4\"}]}"));

    assertThat(r.ok()).isTrue();
    assertThat(r.revision()).isEqualTo(4);
    assertThat(r.value()).isEmpty();
  }

  @Test
  void rangeAnswer_withoutKvs_isNotFound() {
    assertThat(etcd.readReply(200, bytes("{\"header\":{\"revision\":\"5\"}}")).error())
        .isEqualTo(KvProtocol.NOT_FOUND);
  }

  @Test
  void rangeAnswer_notJson_isBadAnswer() {
    assertThat(etcd.readReply(200, bytes("<html>")).error()).isEqualTo("BAD_ANSWER");
  }

  @Test
  void txnAnswer_succeededOrConflict() {
    assertThat(etcd.casReply(200, bytes(
        "{\"header\":{\"revision\":\"8\"},\"succeeded\":true,\"responses\":[{\"response_put\":{}}]}")).ok())
        .isTrue();
    // A failed comparison: proto3 JSON leaves "succeeded": false out.
    assertThat(etcd.casReply(200, bytes("{\"header\":{\"revision\":\"8\"}}")).error())
        .isEqualTo(KvProtocol.CONFLICT);
  }

  @Test
  void errorAnswer_namedByGrpcCode() {
    KvProtocol.Reply r = etcd.writeReply(503, bytes(
        "{\"error\":\"etcdserver: leader changed\",\"message\":\"etcdserver: leader changed\",\"code\":14}"));

    assertThat(r.error()).isEqualTo("UNAVAILABLE");
    assertThat(etcd.writeReply(502, bytes("bad gateway")).error()).isEqualTo("HTTP_502");
  }

  @Test
  void status_leaderIsTheMemberNamedLeader() {
    assertThat(etcd.status().path()).isEqualTo("/v3/maintenance/status");
    assertThat(etcd.isLeader(200, bytes(
        "{\"header\":{\"member_id\":\"123\"},\"leader\":\"123\",\"raftTerm\":\"2\"}"))).contains(true);
    assertThat(etcd.isLeader(200, bytes(
        "{\"header\":{\"member_id\":\"123\"},\"leader\":\"456\"}"))).contains(false);
    assertThat(etcd.isLeader(200, bytes("{\"header\":{\"member_id\":\"123\"},\"leader\":\"0\"}")))
        .isEmpty();
    assertThat(etcd.isLeader(503, bytes("{}"))).isEmpty();
  }
}
