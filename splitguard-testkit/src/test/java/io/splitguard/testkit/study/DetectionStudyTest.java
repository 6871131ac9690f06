package io.splitguard.testkit.study;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitguard.testkit.sim.FixedTimeoutDetector;
import io.splitguard.testkit.sim.SimConfig;
import io.splitguard.testkit.sim.Simulation;
import java.io.ByteArrayInputStream;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/**
 * The study's shortcut (one run, counted for every detector at once) against running the
 * detectors for real, and the shape of its outputs.
 */
class DetectionStudyTest {

  @Test
  void countingSilencesGivesWhatRealDetectorsWouldHaveSuspected() {
    int n = 6;
    Simulation sim = new Simulation(SimConfig.of(n, 5, DetectionStudy.network()));
    FalsePositiveCounter counter = new FalsePositiveCounter(new double[] {4, 8}, 0);
    FixedTimeoutDetector[][] fixed = new FixedTimeoutDetector[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        fixed[i][j] = new FixedTimeoutDetector(Duration.ofMillis(700));
      }
    }
    long[] fixedSuspicions = new long[1];
    sim.setListener((to, from, now, phi, silence) -> {
      counter.onHeartbeat(to, from, now, phi, silence);
      FixedTimeoutDetector d = fixed[to][from];
      if (d.hasHeard() && !d.isAvailable(now)) {
        fixedSuspicions[0]++;
      }
      d.heartbeat(now);
    });
    sim.runFor(Duration.ofMinutes(20));
    assertThat(sim.stats().stalls()).isPositive();
    assertThat(fixedSuspicions[0]).isPositive();
    assertThat(counter.fixedCount(700)).isEqualTo(fixedSuspicions[0]);
    // The simulation's own detectors run at threshold 8.
    assertThat(counter.phiCount(1)).isEqualTo(sim.stats().suspicionsEnded()).isPositive();
    assertThat(counter.phiCount(0)).isGreaterThanOrEqualTo(counter.phiCount(1));
    int timeout = counter.timeoutForAtMost(counter.phiCount(1));
    assertThat(counter.fixedCount(timeout)).isLessThanOrEqualTo(counter.phiCount(1));
    assertThat(counter.fixedCount(timeout - 1)).isGreaterThan(counter.phiCount(1));
  }

  @Test
  void aQuickStudyGivesARowPerSizeAndThreshold_aCsvAndWellFormedSvg() throws Exception {
    List<DetectionStudy.Row> rows = DetectionStudy.run(DetectionStudy.quickPlan(), 1,
        new PrintStream(OutputStream.nullOutputStream()));
    assertThat(rows).hasSize(DetectionStudy.SIZES.length * DetectionStudy.THRESHOLDS.length);
    for (DetectionStudy.Row r : rows) {
      assertThat(r.crashSamples()).isPositive();
      assertThat(r.phiP99Ms()).isGreaterThanOrEqualTo(r.phiP50Ms());
      assertThat(r.fixedFpPerNodeHour()).isLessThanOrEqualTo(r.phiFpPerNodeHour());
    }
    String csv = DetectionStudy.csv(rows);
    assertThat(csv.lines()).hasSize(rows.size() + 1);
    String svg = DetectionStudy.chart(rows);
    Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
    assertThat(doc.getElementsByTagName("polyline").getLength()).isEqualTo(6);
  }

  @Test
  void percentileIsNearestRank() {
    double[] v = {5, 1, 4, 2, 3};
    assertThat(DetectionStudy.percentile(v, 50)).isEqualTo(3);
    assertThat(DetectionStudy.percentile(v, 99)).isEqualTo(5);
    assertThat(DetectionStudy.percentile(v, 1)).isEqualTo(1);
  }
}
