package dev.nonstop.daemon;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.deploy.DeployRequest;
import dev.nonstop.deploy.Progress;
import dev.nonstop.metrics.EventFeed;
import dev.nonstop.metrics.Series;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the dashboard is fed during an incident: every server from start to stop, proxy errors, step names. */
class DashboardTruthsTest {
  @TempDir Path dir;
  private Daemon daemon;

  @AfterEach
  void stop() {
    if (daemon != null) {
      daemon.close();
    }
  }

  private boolean shows(String release, String role) {
    return ((StatusView) daemon.status()).groups().stream()
        .anyMatch(g -> g.release().equals(release) && g.role().equals(role) && !g.servers().isEmpty());
  }

  @Test
  void aServerIsOnThePictureFromItsStartToItsStopAndPendingStepsHaveNames() throws Exception {
    daemon = Daemon.start(Fixture.config(dir, 1, "drain: 20s\n"), "1.0.1", e -> { });
    List<Object> fed = new CopyOnWriteArrayList<>();
    Consumer<Object> watcher = fed::add;
    daemon.watch(null, watcher);
    URI slow = URI.create("http://127.0.0.1:" + daemon.listenAddress().getPort() + "/slow?ms=3000");
    CompletableFuture<HttpResponse<String>> call = HttpClient.newHttpClient()
        .sendAsync(HttpRequest.newBuilder(slow).build(), HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(10)).until(() -> daemon.fleet().live().get(0).backend().inFlight() == 1);

    Progress p = daemon.deploy(new DeployRequest("1.0.2", "in-place", null, null, false));

    await().atMost(Duration.ofSeconds(10)).until(() -> shows("1.0.1", "draining"));
    await().atMost(Duration.ofSeconds(20)).until(() -> shows("1.0.2", "starting") || shows("1.0.2", "live"));
    p.done().get(60, SECONDS);
    assertThat(call.get(10, SECONDS).body()).startsWith("slow v1.0.1");
    assertThat(shows("1.0.1", "draining")).isFalse();
    EventFeed.Tagged first = (EventFeed.Tagged) fed.get(0);
    assertThat(first.titles()).hasSize(first.steps())
        .isEqualTo(daemon.reports().get(daemon.reports().size() - 1).steps().stream()
            .map(dev.nonstop.deploy.Report.StepTime::title).toList());
    daemon.unwatch(watcher);
  }

  @Test
  void theProxysOwnErrorsAreInTheSeriesEvenWithoutARelease() throws Exception {
    daemon = Daemon.start(Fixture.config(dir, 1, ""), "1.0.1", e -> { });
    daemon.maintenance(true, null); // every answer a 503 of the proxy's own, from no backend
    HttpClient http = HttpClient.newHttpClient();
    URI root = URI.create("http://127.0.0.1:" + daemon.listenAddress().getPort() + "/");
    for (int i = 0; i < 5; i++) {
      assertThat(http.send(HttpRequest.newBuilder(root).build(), HttpResponse.BodyHandlers.discarding()).statusCode())
          .isEqualTo(503);
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> ((Series.View) daemon.series(null)).samples().stream()
        .mapToLong(s -> s.releases().containsKey("none") ? s.releases().get("none").proxyErrors() : 0).sum() == 5);
  }
}
