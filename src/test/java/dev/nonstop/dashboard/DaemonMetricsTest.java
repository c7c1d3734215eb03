package dev.nonstop.dashboard;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.daemon.Daemon;
import dev.nonstop.demo.Load;
import dev.nonstop.deploy.DeployRequest;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A running daemon's /metrics and /api/series after real traffic and an in-place deploy. */
class DaemonMetricsTest {
  @TempDir Path dir;
  private Daemon daemon;
  private Load load;
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    if (load != null) {
      load.close();
    }
    if (daemon != null) {
      daemon.close();
    }
  }

  private String get(String path, boolean token) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.adminAddress().getPort() + path));
    if (token) {
      r.header("Authorization", "Bearer " + daemon.token());
    }
    HttpResponse<String> response = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    return response.body();
  }

  @Test
  void metricsAndSeriesFollowTrafficAndDeploys() throws Exception {
    daemon = Daemon.start(SlowApp.config(dir), SlowApp.FIRST, e -> { });
    load = Load.start(daemon.listenAddress(), "/", 2, 40);
    await().atMost(Duration.ofSeconds(20)).until(() -> load.snapshot().ok() > 20);

    daemon.deploy(new DeployRequest("1.0.2", "in-place", "1", null, false)).done().get(120, SECONDS);
    long served = load.snapshot().ok();
    await().atMost(Duration.ofSeconds(20)).until(() -> load.snapshot().ok() > served + 20);
    await().atMost(Duration.ofSeconds(5)).until(() -> get("/api/series", true).contains("\"1.0.2\":{\"requests\""));

    String text = get("/metrics", false);
    assertThat(text)
        .containsPattern("nonstop_requests_total\\{backend=\"127.0.0.1:\\d+\",release=\"1.0.2\",status=\"2xx\"} [1-9]")
        .containsPattern("nonstop_backend_health\\{backend=\"127.0.0.1:\\d+\",release=\"1.0.2\",state=\"up\"} 1.0")
        .containsPattern("nonstop_backend_admin\\{backend=\"127.0.0.1:\\d+\",release=\"1.0.2\",state=\"ready\"} 1.0")
        .contains("nonstop_deploys_total{kind=\"deploy\",result=\"done\",strategy=\"in-place\"} 1.0")
        .contains("nonstop_deploy_duration_seconds_count{kind=\"deploy\",result=\"done\",strategy=\"in-place\"} 1")
        .contains("nonstop_request_duration_seconds_bucket{release=\"1.0.2\",le=\"+Inf\"}")
        .doesNotContainPattern("nonstop_backend_in_flight\\{[^}]*release=\"1.0.1\"");
    assertThat(daemon.reports().get(daemon.reports().size() - 1).drains()).hasSize(2)
        .allSatisfy(d -> assertThat(d.release()).isEqualTo("1.0.1"));

    File promtool = new File("/usr/bin/promtool");
    if (promtool.canExecute()) {
      Path file = dir.resolve("metrics.txt");
      Files.writeString(file, text);
      Process p = new ProcessBuilder(promtool.getPath(), "check", "metrics").redirectInput(file.toFile())
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as("promtool said:\n" + out).isZero();
    }
  }
}
