package dev.nonstop.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nonstop.deploy.Report;
import dev.nonstop.pool.AdminState;
import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Health;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsTest {
  @TempDir Path dir;
  private final Metrics metrics = new Metrics();
  private final Backend blue = new Backend(new InetSocketAddress("127.0.0.1", 40001), "1.0.1", Health.UP);
  private final Backend green = new Backend(new InetSocketAddress("127.0.0.1", 40002), "1.0.2", Health.DOWN);

  @AfterEach
  void close() {
    metrics.close();
  }

  private static Report report(String result) {
    return new Report(7, "deploy", "blue-green", "1.0.1", "1.0.2", result, "2026-01-01T00:00:00Z",
        "2026-01-01T00:00:03Z", 3000, List.of(), Map.of("1.0.1", 10L), 10, 0, 0, 0, 1, 2, 3, 4.0, 5, "ok", List.of(), null, null, null, null);
  }

  @Test
  void countsRequestsByReleaseBackendAndStatusClass() {
    metrics.completed(blue, 200, 2_000_000, false);
    metrics.completed(blue, 200, 3_000_000, false);
    metrics.completed(blue, 503, 1_000_000, true);
    metrics.completed(null, 503, 100_000, true);
    String text = metrics.scrape();
    assertThat(text)
        .contains("nonstop_requests_total{backend=\"127.0.0.1:40001\",release=\"1.0.1\",status=\"2xx\"} 2.0")
        .contains("nonstop_requests_total{backend=\"127.0.0.1:40001\",release=\"1.0.1\",status=\"5xx\"} 1.0")
        .contains("nonstop_proxy_errors_total{backend=\"none\",release=\"none\"} 1.0")
        .contains("nonstop_request_duration_seconds_bucket{release=\"1.0.1\",le=\"0.005\"} 3");
  }

  @Test
  void countsRetriesByReason() {
    metrics.retried(blue, true);
    metrics.retried(blue, true);
    metrics.retried(green, false);
    assertThat(metrics.scrape())
        .contains("nonstop_proxy_retries_total{reason=\"stale-connection\"} 2.0")
        .contains("nonstop_proxy_retries_total{reason=\"backend-failed\"} 1.0");
  }

  @Test
  void showsHealthAdminStateAndInFlightPerBackend() {
    metrics.sample(1000, List.of(blue, green));
    blue.acquire();
    blue.setAdminState(AdminState.DRAINING);
    String text = metrics.scrape();
    assertThat(text)
        .contains("nonstop_backend_in_flight{backend=\"127.0.0.1:40001\",release=\"1.0.1\"} 1.0")
        .contains("nonstop_backend_admin{backend=\"127.0.0.1:40001\",release=\"1.0.1\",state=\"draining\"} 1.0")
        .contains("nonstop_backend_admin{backend=\"127.0.0.1:40001\",release=\"1.0.1\",state=\"ready\"} 0.0")
        .contains("nonstop_backend_health{backend=\"127.0.0.1:40002\",release=\"1.0.2\",state=\"down\"} 1.0");
  }

  @Test
  void countsRestartsOfEachServerAndEjectionsByLiveTraffic() {
    metrics.restarts(b -> b == blue ? 3 : 0);
    metrics.sample(1000, List.of(blue, green));
    for (int i = 0; i < 5; i++) {
      blue.recordFailure(5);
    }

    assertThat(metrics.scrape())
        .contains("nonstop_server_restarts_total{backend=\"127.0.0.1:40001\",release=\"1.0.1\"} 3.0")
        .contains("nonstop_server_restarts_total{backend=\"127.0.0.1:40002\",release=\"1.0.2\"} 0.0")
        .contains("nonstop_backend_ejections_total{backend=\"127.0.0.1:40001\",release=\"1.0.1\"} 1.0");
  }

  @Test
  void dropsBackendsThatLeftTheFleetOnceIdle() {
    metrics.sample(1000, List.of(blue, green));
    blue.acquire();
    metrics.sample(2000, List.of(green));
    assertThat(metrics.scrape()).contains("backend=\"127.0.0.1:40001\"");
    blue.release(200);
    metrics.sample(3000, List.of(green));
    assertThat(metrics.scrape()).doesNotContain("127.0.0.1:40001").doesNotContain("release=\"1.0.1\"");
  }

  @Test
  void seriesKeepsOneSampleASecondByRelease() {
    metrics.completed(blue, 200, 2_000_000, false);
    metrics.completed(blue, 500, 8_000_000, false);
    metrics.completed(green, 200, 1_000_000, false);
    metrics.sample(1000, List.of(blue, green));
    metrics.sample(2000, List.of(blue, green));
    Series.View view = metrics.series().view();
    assertThat(view.samples()).hasSize(2);
    Series.Sample first = view.samples().get(0);
    assertThat(first.t()).isEqualTo(1000);
    assertThat(first.releases().get("1.0.1").requests()).isEqualTo(2);
    assertThat(first.releases().get("1.0.1").errors()).isEqualTo(1);
    assertThat(first.releases().get("1.0.1").p99Ms()).isBetween(7.9, 8.1);
    assertThat(view.samples().get(1).releases().get("1.0.1").requests()).isZero();
  }

  @Test
  void seriesForgetsTheOldestBeyondItsCapacity() {
    Series s = new Series(3);
    for (int i = 1; i <= 5; i++) {
      s.add(new Series.Sample(i, Map.of()));
    }
    assertThat(s.view().samples()).extracting(Series.Sample::t).containsExactly(3L, 4L, 5L);
  }

  @Test
  void countsDeploysByOutcomeWithTheirDuration() {
    metrics.deployEnded(report("done"));
    metrics.deployEnded(report("failed"));
    metrics.deployEnded(report("done"));
    assertThat(metrics.scrape())
        .contains("nonstop_deploys_total{kind=\"deploy\",result=\"done\",strategy=\"blue-green\"} 2.0")
        .contains("nonstop_deploy_duration_seconds_sum{kind=\"deploy\",result=\"failed\",strategy=\"blue-green\"} 3.0");
  }

  /** Prometheus' own parser (promtool, from Debian's prometheus package) accepts the exposition. */
  @Test
  void promtoolAcceptsTheExposition() throws Exception {
    File promtool = new File("/usr/bin/promtool");
    assumeTrue(promtool.canExecute(), "promtool is not installed (scripts/install-test-tools.sh installs it): skipped");
    metrics.completed(blue, 200, 2_000_000, false);
    metrics.completed(null, 0, 2_000_000, true);
    metrics.sample(1000, List.of(blue, green));
    metrics.deployEnded(report("done"));
    Path file = dir.resolve("metrics.txt");
    Files.writeString(file, metrics.scrape());
    Process p = new ProcessBuilder(promtool.getPath(), "check", "metrics")
        .redirectInput(file.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("promtool said:\n" + out).isZero();
  }
}
