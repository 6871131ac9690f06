package io.splitguard.chaos.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.splitguard.chaos.history.HistoryFormatException;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The entry point the CLI calls, on the example files in {@code src/test/resources/histories}. */
class HistoryCheckTest {

  private static Path resource(String name) {
    try {
      return Path.of(HistoryCheckTest.class.getResource("/histories/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void goodHistoryAndGuardedWritesPass() throws IOException {
    CheckReport report = HistoryCheck.check(resource("good.jsonl"), resource("guarded-good.jsonl"));
    System.out.print(report.toText());
    assertThat(report.passed()).isTrue();
    assertThat(report.verdicts()).extracting(Verdict::checker)
        .containsExactly("linearizability", "lost-writes", "fencing");
    assertThat(report.operations()).isEqualTo(7);
    assertThat(report.keys()).isEqualTo(2);
    assertThat(report.nemesisEvents()).isEqualTo(2);
  }

  @Test
  void withoutGuardedWritesFencingIsNotReported() throws IOException {
    CheckReport report = HistoryCheck.check(resource("good.jsonl"), null);
    assertThat(report.verdicts()).extracting(Verdict::checker).containsExactly("linearizability", "lost-writes");
  }

  @Test
  void staleReadDuringIsolationIsReportedByBothRegisterCheckers() throws IOException {
    CheckReport report = HistoryCheck.check(resource("stale-read.jsonl"), null);
    String text = report.toText();
    System.out.print(text);
    assertThat(report.validity()).isEqualTo(Validity.INVALID);
    assertThat(report.verdict("linearizability").orElseThrow().validity()).isEqualTo(Validity.INVALID);
    assertThat(report.verdict("lost-writes").orElseThrow().validity()).isEqualTo(Validity.INVALID);
    assertThat(text)
        .contains("[non-linearizable] key k1")
        .contains("[lost-write] key k1")
        .contains("p2     read -> \"v1\"")
        .contains("+5.000ms") // the read's invoke, relative to the first event
        .endsWith("verdict: INVALID" + System.lineSeparator());
  }

  @Test
  void concurrentCasBothSucceedingIsReported() throws IOException {
    CheckReport report = HistoryCheck.check(resource("concurrent-cas.jsonl"), null);
    assertThat(report.verdict("linearizability").orElseThrow().validity()).isEqualTo(Validity.INVALID);
    // The lost-write rules cannot see this one; that is what the search is for.
    assertThat(report.verdict("lost-writes").orElseThrow().validity()).isEqualTo(Validity.VALID);
  }

  @Test
  void tokenRegressionIsReported() throws IOException {
    CheckReport report = HistoryCheck.check(resource("good.jsonl"), resource("guarded-bad.jsonl"));
    Verdict fencing = report.verdict("fencing").orElseThrow();
    assertThat(fencing.validity()).isEqualTo(Validity.INVALID);
    assertThat(fencing.violations().get(0).message()).startsWith("token 1 was accepted after token 2");
    assertThat(report.passed()).isFalse();
  }

  @Test
  void jsonRenderingCarriesVerdictsAndWindows() throws IOException {
    CheckReport report = HistoryCheck.check(resource("stale-read.jsonl"), null);
    JsonNode json = new ObjectMapper().readTree(report.toJson());
    assertThat(json.get("validity").asText()).isEqualTo("INVALID");
    JsonNode lin = json.get("verdicts").get(0);
    assertThat(lin.get("checker").asText()).isEqualTo("linearizability");
    assertThat(lin.get("violationCount").asInt()).isEqualTo(1);
    JsonNode violation = lin.get("violations").get(0);
    assertThat(violation.get("key").asText()).isEqualTo("k1");
    JsonNode last = violation.get("window").get(violation.get("window").size() - 1);
    assertThat(last.get("operation").asText()).isEqualTo("read -> \"v1\"");
    assertThat(last.get("start").asLong()).isEqualTo(5_000_000L);
    assertThat(last.get("note").asText()).isEqualTo("could not be linearized");
  }

  @Test
  void unknownIsNotAPass() {
    Hist h = Hist.on("k1");
    for (int p = 0; p < 6; p++) {
      h.write(p, "v" + p, 0, 100);
    }
    h.read(9, "v2", 200, 300);
    CheckReport report = HistoryCheck.check(h.build(), null, new CheckOptions(2, 20));
    assertThat(report.validity()).isEqualTo(Validity.UNKNOWN);
    assertThat(report.passed()).isFalse();
    assertThat(report.toText()).contains("[unknown] k1: search budget of 2 configurations exhausted");
  }

  @Test
  void malformedFileFailsWithLineAndField(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("h.jsonl");
    Files.writeString(file, """
        {"process":0,"type":"invoke","f":"write","key":"k1","value":"a","time":1}

        {"process":0,"type":"ok","f":"write","key":"k1","value":"a","time":"soon"}
        """);
    assertThatThrownBy(() -> HistoryCheck.check(file, null))
        .isInstanceOf(HistoryFormatException.class)
        .hasMessageStartingWith("line 3, field \"time\": must be an integer");
  }
}
