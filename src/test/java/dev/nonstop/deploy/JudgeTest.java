package dev.nonstop.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.config.JudgeLimits;
import dev.nonstop.deploy.Verdict.Numbers;
import dev.nonstop.deploy.Verdict.Outcome;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The judge's rules, on synthetic numbers. */
class JudgeTest {
  private final Judge judge = new Judge(JudgeLimits.DEFAULT);

  private static Numbers newer(long requests, long errors, double p99) {
    return new Numbers("1.0.2", requests, errors, p99);
  }

  private static Numbers older(long requests, long errors, double p99) {
    return new Numbers("1.0.1", requests, errors, p99);
  }

  @Test
  void aServerThatExitedFailsAtOnceWhateverTheNumbers() {
    Verdict v = judge.judge(newer(0, 0, 0), older(500, 0, 2), List.of("127.0.0.1:4001 (slot 1) exited with code 1"));

    assertThat(v.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(v.reason()).isEqualTo("a server exited: 127.0.0.1:4001 (slot 1) exited with code 1");
    assertThat(v.line()).startsWith("verdict: 1.0.2 failed: a server exited");
  }

  @Test
  void everyRequestFailingFailsOnceMinRequestsAreIn() {
    assertThat(judge.judge(newer(19, 19, 1), older(1000, 0, 1), List.of()).outcome()).isEqualTo(Outcome.WATCHING);

    Verdict v = judge.judge(newer(20, 20, 1), older(1000, 0, 1), List.of());

    assertThat(v.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(v.reason()).isEqualTo("5xx and proxy errors on 100% of its requests, above the limit of 1.0%");
    assertThat(v.line()).isEqualTo("verdict: 1.0.2 failed: 5xx and proxy errors on 100% of its requests, above the "
        + "limit of 1.0% [1.0.2: 20 requests, 20 errors (100%), p99 1.0 ms; 1.0.1: 1000 requests, 0 errors (0.0%), p99 1.0 ms]");
  }

  @Test
  void oneUnluckyErrorEarlyOnFailsNothing() {
    assertThat(judge.judge(newer(20, 1, 1), older(1000, 0, 1), List.of()).outcome()).isEqualTo(Outcome.WATCHING);
    assertThat(judge.judge(newer(200, 3, 1), older(1000, 0, 1), List.of()).outcome()).isEqualTo(Outcome.WATCHING);
  }

  @Test
  void aClearlyHigherShareFails() {
    assertThat(judge.judge(newer(20, 3, 1), older(1000, 0, 1), List.of()).outcome()).isEqualTo(Outcome.FAILED);
    assertThat(judge.judge(newer(1000, 30, 1), older(1000, 0, 1), List.of()).outcome()).isEqualTo(Outcome.FAILED);
  }

  @Test
  void anOldReleaseWithErrorsRaisesTheLimitToTwiceItsShare() {
    // 1.0.1 fails 5%: 1.0.2 may fail up to 10% before it is clearly worse
    assertThat(judge.judge(newer(1000, 80, 1), older(1000, 50, 1), List.of()).outcome()).isEqualTo(Outcome.WATCHING);

    Verdict v = judge.judge(newer(1000, 200, 1), older(1000, 50, 1), List.of());

    assertThat(v.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(v.reason()).isEqualTo("5xx and proxy errors on 20% of its requests, above the limit of 10% (2 x 1.0.1's 5.0%)");
  }

  @Test
  void anOldReleaseWithTooFewRequestsDoesNotRaiseTheLimit() {
    assertThat(judge.judge(newer(1000, 50, 1), older(10, 5, 1), List.of()).outcome()).isEqualTo(Outcome.FAILED);
  }

  @Test
  void aFirstReleaseIsJudgedOnTheAbsoluteLimit() {
    assertThat(judge.judge(newer(100, 50, 1), null, List.of()).outcome()).isEqualTo(Outcome.FAILED);
    assertThat(judge.judge(newer(100, 0, 500), null, List.of()).outcome()).isEqualTo(Outcome.WATCHING);
  }

  @Test
  void p99FailsOnlyWhenBothMuchHigherAndClearlySlower() {
    // 3x slower but 2 ms more: within the margin
    assertThat(judge.judge(newer(500, 0, 3), older(500, 0, 1), List.of()).outcome()).isEqualTo(Outcome.WATCHING);
    // 150 ms more but only 1.5x
    assertThat(judge.judge(newer(500, 0, 450), older(500, 0, 300), List.of()).outcome()).isEqualTo(Outcome.WATCHING);

    Verdict v = judge.judge(newer(500, 0, 250), older(500, 0, 20), List.of());

    assertThat(v.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(v.reason()).isEqualTo("p99 250.0 ms against 20.0 ms for 1.0.1: more than 2 x and 100ms slower");
  }

  @Test
  void p99NeedsAHundredRequestsOnEachSide() {
    assertThat(judge.judge(newer(99, 0, 900), older(500, 0, 10), List.of()).outcome()).isEqualTo(Outcome.WATCHING);
    assertThat(judge.judge(newer(500, 0, 900), older(99, 0, 10), List.of()).outcome()).isEqualTo(Outcome.WATCHING);
  }

  @Test
  void theLastVerdictPassesWhatDidNotFailAndSaysWhenTooFewRequestsCame() {
    Verdict quiet = judge.last(newer(7, 0, 1), older(50, 0, 1), List.of());
    Verdict busy = judge.last(newer(700, 0, 1), older(50, 0, 1), List.of());

    assertThat(quiet.outcome()).isEqualTo(Outcome.PASSED);
    assertThat(quiet.reason()).isEqualTo("no failure seen; 7 requests, too few to judge its errors (judge: min-requests 20)");
    assertThat(busy.outcome()).isEqualTo(Outcome.PASSED);
    assertThat(judge.last(newer(700, 700, 1), null, List.of()).outcome()).isEqualTo(Outcome.FAILED);
  }

  @Test
  void limitsFromTheFileApply() {
    Judge strict = new Judge(new JudgeLimits(5, 0.0, 1, 1.2, Duration.ZERO));

    assertThat(strict.judge(newer(50, 5, 1), older(50, 0, 1), List.of()).outcome()).isEqualTo(Outcome.FAILED);
    assertThat(strict.judge(newer(500, 0, 13), older(500, 0, 10), List.of()).outcome()).isEqualTo(Outcome.FAILED);
  }

  @Test
  void wilsonsLowEndGrowsWithTheEvidence() {
    assertThat(Judge.wilsonLow(0, 0)).isZero();
    assertThat(Judge.wilsonLow(1, 20)).isLessThan(0.01);
    assertThat(Judge.wilsonLow(2, 20)).isGreaterThan(0.01);
    assertThat(Judge.wilsonLow(20, 20)).isGreaterThan(0.8);
    assertThat(Judge.wilsonLow(100, 10_000)).isBetween(0.008, 0.01);
  }

  @Test
  void aVerdictGoesToJsonWithItsOutcomeInLowerCaseAndComesBack() throws Exception {
    Verdict v = judge.judge(newer(20, 20, 1), older(1000, 0, 1), List.of());
    com.fasterxml.jackson.databind.ObjectMapper json = dev.nonstop.admin.Json.mapper();

    String text = json.writeValueAsString(v);

    assertThat(text).contains("\"outcome\":\"failed\"", "\"release\":\"1.0.2\"");
    assertThat(json.readValue(text, Verdict.class)).isEqualTo(v);
  }
}
