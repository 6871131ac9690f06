package io.splitguard.core.detector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The named profiles: their values, their parsing, and the trade-off each one makes. */
class DetectorProfileTest {
  private static final long MS = 1_000_000;

  @Test
  void lanIsTheDocumentedDefault() {
    DetectorSettings lan = DetectorProfile.LAN.settings();
    assertThat(lan).isEqualTo(DetectorSettings.lan());
    assertThat(lan.heartbeatInterval()).isEqualTo(Duration.ofMillis(100));
    assertThat(lan.threshold()).isEqualTo(8.0);
    assertThat(lan.minStdDeviation()).isEqualTo(Duration.ofMillis(100));
    assertThat(lan.acceptablePause()).isEqualTo(Duration.ofMillis(500));
    assertThat(lan.windowSize()).isEqualTo(1000);
  }

  @Test
  void parseAcceptsEveryNameIgnoringCaseAndBlanks() {
    for (DetectorProfile profile : DetectorProfile.values()) {
      assertThat(DetectorProfile.parse(profile.profileName())).isSameAs(profile);
      assertThat(DetectorProfile.parse(" " + profile.profileName().toUpperCase() + "\t"))
          .isSameAs(profile);
    }
    assertThat(DetectorProfile.parse("Strict")).isSameAs(DetectorProfile.STRICT);
  }

  @Test
  void parseRejectsUnknownNamesAndSaysWhatIsAllowed() {
    assertThatThrownBy(() -> DetectorProfile.parse("wan"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown detector profile 'wan': use one of lan, strict, dev");
    assertThatThrownBy(() -> DetectorProfile.parse(""))
        .hasMessageContaining("use one of lan, strict, dev");
    assertThatThrownBy(() -> DetectorProfile.parse(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void detectionBoundsAreOrderedStrictLanDevAndMatchTheJavadoc() {
    Duration strict = DetectorProfile.STRICT.settings().detectionBound();
    Duration lan = DetectorProfile.LAN.settings().detectionBound();
    Duration dev = DetectorProfile.DEV.settings().detectionBound();
    assertThat(strict).isBetween(Duration.ofMillis(450), Duration.ofMillis(560));
    assertThat(lan).isBetween(Duration.ofMillis(1050), Duration.ofMillis(1200));
    assertThat(dev).isBetween(Duration.ofMillis(4200), Duration.ofMillis(4600));
  }

  @Test
  void aTwoSecondStall_isSuspectedByLanAndStrict_butToleratedByDev() {
    for (DetectorProfile profile : DetectorProfile.values()) {
      PhiAccrualDetector d = new PhiAccrualDetector(profile.settings());
      long now = 0;
      for (int i = 0; i < 300; i++) {
        now += 100 * MS;
        d.heartbeat(now);
      }
      boolean availableAfterStall = d.isAvailable(now + 2000 * MS);
      assertThat(availableAfterStall).as(profile.profileName())
          .isEqualTo(profile == DetectorProfile.DEV);
      // Half a second of silence (five lost heartbeats in a row) is tolerated by lan and dev.
      assertThat(d.isAvailable(now + 450 * MS)).as(profile.profileName()).isTrue();
    }
  }

  @Test
  void withThresholdChangesOnlyTheThreshold() {
    DetectorSettings four = DetectorSettings.lan().withThreshold(4);
    assertThat(four.threshold()).isEqualTo(4.0);
    assertThat(four.withThreshold(8)).isEqualTo(DetectorSettings.lan());
    assertThatThrownBy(() -> DetectorSettings.lan().withThreshold(0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
