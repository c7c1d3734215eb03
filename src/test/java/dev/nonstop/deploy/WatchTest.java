package dev.nonstop.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.config.JudgeLimits;
import dev.nonstop.deploy.Verdict.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** Judging over time, with a fake clock and synthetic counts. */
class WatchTest {
  private static final long S = 1_000_000_000L;
  private final Judge judge = new Judge(JudgeLimits.DEFAULT);
  private final Map<String, Traffic.Counts> counts = new TreeMap<>();

  /** Adds requests to a release's running counts: {@code errors} of them failed, all took {@code ms}. */
  private void serve(String release, long requests, long errors, long ms) {
    Traffic.Counts c = counts.getOrDefault(release, new Traffic.Counts(0, 0, 0, new Histogram(3_600_000_000L, 2)));
    Histogram h = c.latency().copy();
    h.recordValueWithCount(ms * 1000, requests);
    counts.put(release, new Traffic.Counts(c.requests() + requests, c.appErrors() + errors, c.proxyErrors(), h));
  }

  private static void assertNumbers(Verdict.Numbers n, String release, long requests, long errors) {
    assertThat(n.release()).isEqualTo(release);
    assertThat(n.requests()).isEqualTo(requests);
    assertThat(n.errors()).isEqualTo(errors);
    assertThat(n.p99Ms()).isCloseTo(2.0, org.assertj.core.data.Offset.offset(0.05));
  }

  private Traffic.Snapshot snapshot() {
    return new Traffic.Snapshot(new TreeMap<>(counts), null);
  }

  @Test
  void watchesUntilTheBakeIsOverThenPasses() {
    serve("1.0.1", 5000, 0, 2);
    Watch watch = new Watch(judge, "1.0.2", "1.0.1", snapshot());
    serve("1.0.2", 100, 0, 2);
    watch.bake(10 * S, Duration.ofSeconds(30));

    assertThat(watch.observe(20 * S, snapshot(), List.of()).outcome()).isEqualTo(Outcome.WATCHING);
    assertThat(watch.remaining(20 * S)).isEqualTo(Duration.ofSeconds(20));
    Verdict end = watch.observe(40 * S, snapshot(), List.of());

    assertThat(end.outcome()).isEqualTo(Outcome.PASSED);
    assertNumbers(end.newer(), "1.0.2", 100, 0);
    assertThat(watch.remaining(40 * S)).isZero();
  }

  @Test
  void failsBeforeTheEndOfTheBakeOnceTheNewReleaseIsClearlyWorse() {
    serve("1.0.1", 5000, 0, 2);
    Watch watch = new Watch(judge, "1.0.2", "1.0.1", snapshot());
    watch.bake(0, Duration.ofMinutes(10));
    serve("1.0.2", 10, 10, 2);
    assertThat(watch.observe(S, snapshot(), List.of()).outcome()).isEqualTo(Outcome.WATCHING);

    serve("1.0.2", 10, 10, 2);
    Verdict v = watch.observe(2 * S, snapshot(), List.of());

    assertThat(v.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(v.newer().requests()).isEqualTo(20);
  }

  @Test
  void theOldReleaseIsJudgedOverTheSameWindowWhenItServedEnoughOfIt() {
    serve("1.0.1", 5000, 0, 2); // a clean past
    Watch watch = new Watch(judge, "1.0.2", "1.0.1", snapshot());
    serve("1.0.1", 1000, 100, 2); // both fail 10% now: something else is broken, not 1.0.2
    serve("1.0.2", 1000, 100, 2);

    Verdict v = watch.observe(S, snapshot(), List.of());

    assertThat(v.outcome()).isEqualTo(Outcome.WATCHING);
    assertNumbers(v.older(), "1.0.1", 1000, 100);
  }

  @Test
  void theOldReleasesLifeIsTheBaselineWhenItServesNoMore() {
    serve("1.0.1", 5000, 50, 2);
    Watch watch = new Watch(judge, "1.0.2", "1.0.1", snapshot());
    serve("1.0.2", 1000, 30, 2);

    Verdict v = watch.observe(S, snapshot(), List.of());

    assertNumbers(v.older(), "1.0.1", 5000, 50);
    assertThat(v.outcome()).isEqualTo(Outcome.FAILED); // 3% against 1%: the limit is max(1%, 2 x 1%)
  }

  @Test
  void anExitFailsEvenWithoutTraffic() {
    Watch watch = new Watch(judge, "1.0.2", "1.0.1", snapshot());

    Verdict v = watch.observe(S, snapshot(), List.of("127.0.0.1:4001 (slot 1) exited with code 1"));

    assertThat(v.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(v.older()).isEqualTo(new Verdict.Numbers("1.0.1", 0, 0, 0));
  }

  @Test
  void aRedeployOfTheSameVersionHasNoOlderToCompareWith() {
    serve("1.0.1", 5000, 0, 2);
    Watch watch = new Watch(judge, "1.0.1", "1.0.1", snapshot());

    assertThat(watch.observe(S, snapshot(), List.of()).older()).isNull();
  }

  @Test
  void aZeroBakeGivesTheLastVerdictAtOnce() {
    Watch watch = new Watch(judge, "1.0.2", "1.0.1", snapshot());
    assertThat(watch.observe(S, snapshot(), List.of()).outcome()).isEqualTo(Outcome.WATCHING);

    watch.bake(2 * S, Duration.ZERO);

    assertThat(watch.observe(2 * S, snapshot(), List.of()).outcome()).isEqualTo(Outcome.PASSED);
  }
}
