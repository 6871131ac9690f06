package io.splitguard.chaos.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {
  private static final String HISTORY = """
      {"process":0,"type":"invoke","f":"write","key":"k1","value":"p0-1","time":1000000,"node":"n1"}
      {"process":1,"type":"invoke","f":"read","key":"k1","value":null,"time":2000000,"node":"n2"}
      {"process":"nemesis","type":"info","f":"start","value":"partition-halves n1|n2,n3","time":2500000}
      {"process":0,"type":"ok","f":"write","key":"k1","value":"p0-1","time":3000000,"node":"n1"}
      this line is not JSON
      {"process":1,"type":"ok","f":"read","key":"k1","value":"p0-1","time":4000000,"node":"n2"}
      {"process":2,"type":"invoke","f":"cas","key":"k2","value":[null,"p2-1"],"time":4100000,"node":"n3"}
      {"process":2,"type":"info","f":"cas","key":"k2","value":[null,"p2-1"],"time":5100000,"node":"n3","error":"timeout"}
      {"process":"nemesis","type":"info","f":"stop","value":"partition-halves n1|n2,n3","time":6000000}
      {"process":7,"type":"invoke","f":"write","key":"k3","value":"p7-1","time":6500000}
      {"process":3,"type":"invoke","f":"write","key":"k1","value":"p3-1","time":7000000,"node":"n1"}
      {"process":3,"type":"fail","f":"write","key":"k1","value":"p3-1","time":7100000,"node":"n1","error":"PARTITIONED"}
      """;

  @Test
  void reportIsSelfContainedAndShowsSeedCommandVerdictsAndTimeline(@TempDir Path dir) throws Exception {
    Path history = Files.writeString(dir.resolve("history.jsonl"), HISTORY);
    Path html = dir.resolve("report.html");
    Map<String, String> verdicts = new LinkedHashMap<>();
    verdicts.put("linearizability", "valid: 5 keys, 4 operations");
    verdicts.put("lost-writes", "VIOLATION: k1 p0-1 acknowledged but never read <b>");
    String command = "bin/splitguard chaos --nodes 3 --mode netns --nemesis partition-halves --seed 1234 --time 30s";
    HtmlReport.write(history, verdicts, command, 1234, html);

    String page = Files.readString(html);
    assertThat(page).startsWith("<!DOCTYPE html>").contains("1234");
    assertThat(page).contains(command);
    assertThat(page).contains("<svg").contains("partition-halves n1|n2,n3");
    assertThat(page).contains("valid: 5 keys").contains("class=\"pass\"").contains("class=\"fail\"");
    assertThat(page).as("verdict text is escaped").contains("never read &lt;b&gt;").doesNotContain("never read <b>");
    assertThat(page).as("no external assets").doesNotContain("src=\"http").doesNotContain("href=\"http")
        .doesNotContain("<script");
    assertThat(page).contains("1 of 12 skipped");
    assertThat(page).contains("p2 cas k2 [null,&quot;p2-1&quot;] -&gt; info");
    assertThat(page).as("an invocation without completion is shown as pending").contains("p7 write k3 p7-1 -&gt; pending");
    assertThat(page).contains("#43a047").contains("#e57373").contains("#ffa726");
  }

  @Test
  void parsePairsOperationsAndNemesisIntervals(@TempDir Path dir) throws Exception {
    HtmlReport.Parsed p = HtmlReport.parse(Files.writeString(dir.resolve("h.jsonl"), HISTORY));
    assertThat(p.ops()).hasSize(5);
    assertThat(p.nemesis()).containsExactly(new HtmlReport.Interval("partition-halves n1|n2,n3", 2_500_000, 6_000_000, null));
    assertThat(p.endTime()).isEqualTo(7_100_000);
    assertThat(p.skipped()).isEqualTo(1);
    HtmlReport.Op read = p.ops().stream().filter(o -> o.f().equals("read")).findFirst().orElseThrow();
    assertThat(read.value()).isEqualTo("p0-1");
    assertThat(read.start()).isEqualTo(2_000_000);
    assertThat(read.end()).isEqualTo(4_000_000);
  }

  @Test
  void aLocksHistoryShowsTokensAndCountsItsOwnFunctions(@TempDir Path dir) throws Exception {
    Path history = Files.writeString(dir.resolve("h.jsonl"), """
        {"process":0,"type":"invoke","f":"acquire","key":"lock1","value":"client-0/p0","time":1000000,"node":"n1"}
        {"process":0,"type":"ok","f":"acquire","key":"lock1","value":"client-0/p0","token":42,"time":2000000,"node":"n1"}
        {"process":0,"type":"invoke","f":"guarded-write","key":"res1","value":"p0-1","token":42,"time":3000000,"node":"n2"}
        {"process":0,"type":"fail","f":"guarded-write","key":"res1","value":"p0-1","time":4000000,"node":"n2","error":"FENCED"}
        {"process":0,"type":"invoke","f":"release","key":"lock1","value":null,"token":42,"time":5000000,"node":"n3"}
        {"process":0,"type":"ok","f":"release","key":"lock1","value":null,"time":6000000,"node":"n3"}
        """);
    Path html = dir.resolve("r.html");
    HtmlReport.write(history, Map.of("locks", "VALID", "fencing", "VALID"), "cmd", 1, html);
    String page = Files.readString(html);
    assertThat(page).contains("p0 acquire lock1 client-0/p0 token 42 -&gt; ok")
        .contains("p0 guarded-write res1 p0-1 token 42 -&gt; fail").contains("error FENCED")
        .contains("p0 release lock1 nil token 42 -&gt; ok")
        .contains("<td>guarded-write</td>");
  }

  @Test
  void anEmptyOrUnfinishedHistoryStillGetsAReport(@TempDir Path dir) throws Exception {
    Path history = Files.writeString(dir.resolve("h.jsonl"),
        "{\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"start\",\"value\":\"kill n2\",\"time\":5}\n{\"process\":");
    Path html = dir.resolve("r.html");
    HtmlReport.write(history, Map.of(), "cmd", -7, html);
    assertThat(Files.readString(html)).contains("-7").contains("kill n2").contains("No checker verdicts");
  }
}
