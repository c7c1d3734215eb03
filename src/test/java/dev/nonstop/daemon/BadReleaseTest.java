package dev.nonstop.daemon;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.demo.Load;
import dev.nonstop.deploy.DeployRequest;
import dev.nonstop.deploy.Event;
import dev.nonstop.deploy.Progress;
import dev.nonstop.deploy.Report;
import dev.nonstop.deploy.Verdict;
import dev.nonstop.pool.Health;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Releases that pass their health checks and are broken all the same, deployed under steady load:
 * one that exits 2.5 s after it starts, one that answers 500 to every request but its health
 * check. Each deploy fails on the judge's verdict and is undone; the old release serves at the end.
 */
class BadReleaseTest {
  @TempDir Path dir;
  private Daemon daemon;
  private Load load;

  @AfterEach
  void stop() {
    if (load != null) {
      load.close();
    }
    if (daemon != null) {
      daemon.close();
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
      "in-place, 1.0.2-dies",
      "blue-green, 1.0.2-dies",
      "in-place, 1.0.2-errors",
      "blue-green, 1.0.2-errors"})
  void aBrokenReleaseIsRolledBackOnItsVerdict(String strategy, String version) throws Exception {
    daemon = Daemon.start(Fixture.config(dir, Fixture.yaml(2, "batch: 1\nbake: 9s\nkeep-old: 10m\n")), "1.0.1", e -> { });
    load = Load.start(daemon.listenAddress(), "/", 4, 100);
    await().atMost(Duration.ofSeconds(20)).until(() -> load.snapshot().ok() > 50);
    Load.Snapshot before = load.snapshot();
    List<Event> events = new CopyOnWriteArrayList<>();

    Progress deploy = daemon.deploy(new DeployRequest(version, strategy, null, null, false));
    deploy.subscribe(events::add);
    Event end = deploy.done().get(120, SECONDS);

    Load.Snapshot after = load.snapshot();
    Report report = daemon.reports().get(daemon.reports().size() - 1);
    assertThat(end.type()).as(end.message()).isEqualTo("failed");
    assertThat(report.result()).isEqualTo("failed");
    assertThat(report.verdict()).isNotNull();
    assertThat(report.verdict().outcome()).isEqualTo(Verdict.Outcome.FAILED);
    assertThat(report.verdict().reason()).contains(version.endsWith("dies") ? "exited with code 1" : "5xx and proxy errors");
    assertThat(end.message()).contains("verdict: " + version + " failed", "1.0.1 is still live");
    assertThat(report.undoMs()).isNotNull();
    assertThat(daemon.fleet().live()).extracting(s -> s.release().version()).containsExactly("1.0.1", "1.0.1");
    assertThat(daemon.fleet().all()).extracting(s -> s.release().version()).doesNotContain(version);
    await().atMost(Duration.ofSeconds(10)).until(() -> daemon.fleet().live().stream()
        .allMatch(s -> s.backend().health() == Health.UP));
    long served = load.snapshot().versions().getOrDefault("1.0.1", 0L);
    await().atMost(Duration.ofSeconds(20)).until(() -> load.snapshot().versions().getOrDefault("1.0.1", 0L) > served + 100);
    Load.Snapshot settled = load.snapshot();
    assertThat(settled.failed()).as("failures after the rollback").isEqualTo(after.failed());
    long requests = after.sent() - before.sent();
    long failed = after.failed() - before.failed();
    System.out.printf(Locale.ROOT, "SCENARIO %s %s: %d requests, %d failed (%.1f%%), verdict after %s, undone in %d ms: %s%n",
        strategy, version, requests, failed, 100.0 * failed / Math.max(1, requests), verdictTime(events, report),
        report.undoMs(), report.verdict().reason());
    if (System.getenv("SHOW_EVENTS") != null) {
      events.forEach(e -> System.out.println("EVENT " + e.time() + " " + e.type() + " [" + e.step() + "] " + e.message()));
    }
    assertThat(failed).as("failed requests: %s", after.failures()).isLessThan(300);
  }

  /** From the deploy's first event to the verdict's. */
  private static String verdictTime(List<Event> events, Report report) {
    Event first = events.get(0);
    return events.stream().filter(e -> e.type().equals("warn") && e.message().startsWith("verdict:")).findFirst()
        .map(e -> Duration.between(first.time(), e.time()).toMillis() + " ms").orElse("?");
  }
}
