package io.splitguard.chaos.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import org.junit.jupiter.api.Test;

class OutcomesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static NodeApi.Reply problem(int status, String code) throws Exception {
    return new NodeApi.Reply.Response(status, JSON.readTree("{\"code\":\"" + code + "\"}"));
  }

  private static NodeApi.Reply status(int status) {
    return new NodeApi.Reply.Response(status, MissingNode.getInstance());
  }

  private static Outcomes.Outcome write(NodeApi.Reply r) {
    return Outcomes.classify(true, r);
  }

  private static Outcomes.Outcome read(NodeApi.Reply r) {
    return Outcomes.classify(false, r);
  }

  @Test
  void definiteRefusalsFail() throws Exception {
    assertThat(write(problem(503, "PARTITIONED"))).isEqualTo(new Outcomes.Outcome(OpType.FAIL, "PARTITIONED"));
    assertThat(write(problem(503, "NOT_LEADER"))).isEqualTo(new Outcomes.Outcome(OpType.FAIL, "NOT_LEADER"));
    assertThat(write(problem(409, "CONFLICT"))).isEqualTo(new Outcomes.Outcome(OpType.FAIL, "CONFLICT"));
    assertThat(write(problem(400, "BAD_REQUEST")).type()).isEqualTo(OpType.FAIL);
    assertThat(write(status(403)).type()).isEqualTo(OpType.FAIL);
  }

  @Test
  void unknownOutcomesOfWritesAreInfo() throws Exception {
    assertThat(write(problem(504, "TIMEOUT"))).isEqualTo(new Outcomes.Outcome(OpType.INFO, "TIMEOUT"));
    assertThat(write(status(500))).isEqualTo(new Outcomes.Outcome(OpType.INFO, "HTTP 500"));
    assertThat(write(status(503)).type()).as("503 without a refusal code").isEqualTo(OpType.INFO);
    assertThat(write(status(408)).type()).isEqualTo(OpType.INFO);
    assertThat(write(new NodeApi.Reply.NoResponse("timeout"))).isEqualTo(new Outcomes.Outcome(OpType.INFO, "timeout"));
    assertThat(write(new NodeApi.Reply.NoResponse("ConnectException")).type()).isEqualTo(OpType.INFO);
  }

  @Test
  void readsThatDidNotReturnFailBecauseTheyHadNoEffect() throws Exception {
    assertThat(read(problem(504, "TIMEOUT")).type()).isEqualTo(OpType.FAIL);
    assertThat(read(new NodeApi.Reply.NoResponse("timeout"))).isEqualTo(new Outcomes.Outcome(OpType.FAIL, "timeout"));
    assertThat(read(status(500)).type()).isEqualTo(OpType.FAIL);
  }

  @Test
  void okAndMissingKeys() throws Exception {
    assertThat(write(status(200))).isEqualTo(new Outcomes.Outcome(OpType.OK, null));
    assertThat(read(problem(404, "NOT_FOUND"))).isEqualTo(new Outcomes.Outcome(OpType.OK, null));
    assertThat(read(status(404)).type()).as("a 404 that is not the API's NOT_FOUND").isEqualTo(OpType.FAIL);
    assertThat(write(problem(404, "NOT_FOUND")).type()).isEqualTo(OpType.FAIL);
  }
}
