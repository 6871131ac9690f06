package io.splitguard.chaos.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Histories recorded by real campaigns that exposed product bugs, kept so the checker's verdict on
 * them can never silently change.
 */
class CampaignRegressionTest {

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(CampaignRegressionTest.class.getResource("/histories/" + name).toURI());
  }

  /**
   * Campaign seed 1018 (docs/reliability.md): a write that timed out ("p394-472", info) became
   * visible, was overwritten by acknowledged writes, and then became visible again about 1.4 s
   * later: the same request applied twice. Key k5 only, with the nemesis events.
   */
  @Test
  void aTimedOutWriteAppliedTwiceIsReportedOnItsKey() throws Exception {
    CheckReport report = HistoryCheck.check(resource("campaign-1018-duplicate-apply.jsonl"), null);
    Verdict linearizability = report.verdict("linearizability").orElseThrow();
    assertThat(linearizability.validity()).isEqualTo(Validity.INVALID);
    assertThat(linearizability.violations()).singleElement()
        .satisfies(v -> assertThat(v.key()).isEqualTo("k5"))
        .satisfies(v -> assertThat(v.message()).contains("p394-472"));
  }
}
