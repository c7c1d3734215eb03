package dev.nonstop.daemon;

import dev.nonstop.deploy.Progress;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.admin.Control;
import dev.nonstop.deploy.DeployRequest;
import dev.nonstop.deploy.Event;
import dev.nonstop.deploy.Report;
import dev.nonstop.deploy.Server;
import dev.nonstop.demo.Load;
import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Health;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deployments of real server processes behind the real proxy, under steady load. */
class DeploymentTest {
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

  private Daemon up(String yaml) throws Exception {
    daemon = Daemon.start(Fixture.config(dir, yaml), "1.0.1", e -> { });
    return daemon;
  }

  private Load steadyLoad() {
    load = Load.start(daemon.listenAddress(), "/", 4, 100);
    long start = load.snapshot().ok();
    await().atMost(Duration.ofSeconds(20)).until(() -> load.snapshot().ok() > start + 20);
    return load;
  }

  private static Event finish(Progress progress) throws Exception {
    return progress.done().get(120, SECONDS);
  }

  private Report lastReport() {
    List<Report> reports = daemon.reports();
    return reports.get(reports.size() - 1);
  }

  private void moreTraffic(long requests) {
    long start = load.snapshot().ok();
    await().atMost(Duration.ofSeconds(30)).until(() -> load.snapshot().ok() > start + requests);
  }

  private List<String> liveVersions() {
    return daemon.fleet().live().stream().map(s -> s.release().version()).toList();
  }

  private static long served(List<Server> servers) {
    long n = 0;
    for (Server s : servers) {
      for (int c = 1; c <= 5; c++) {
        n += s.backend().responses(c);
      }
    }
    return n;
  }

  private void assertNoFailedRequest() {
    Load.Snapshot s = load.snapshot();
    assertThat(s.failed()).as("failed requests: %s", s.failures()).isZero();
  }

  @Test
  void inPlaceBatchesReplaceEveryServerWithoutAFailedRequest() throws Exception {
    up(Fixture.yaml(4, "batch: 2\n"));
    steadyLoad();

    Event end = finish(daemon.deploy(new DeployRequest("1.0.2", "in-place", null, null, false)));

    assertThat(end.type()).as(end.message()).isEqualTo("done");
    Load.Snapshot atEnd = load.snapshot();
    moreTraffic(200);
    load.close();
    assertNoFailedRequest();
    Load.Snapshot after = load.snapshot();
    assertThat(after.versions().get("1.0.1")).isEqualTo(atEnd.versions().get("1.0.1"));
    assertThat(after.versions().get("1.0.2")).isGreaterThan(atEnd.versions().getOrDefault("1.0.2", 0L));
    assertThat(liveVersions()).containsExactly("1.0.2", "1.0.2", "1.0.2", "1.0.2");
    Report report = lastReport();
    assertThat(report.result()).isEqualTo("done");
    assertThat(report.failed()).isZero();
    assertThat(report.requests()).containsKeys("1.0.1", "1.0.2");
    assertThat(report.steps()).hasSize(9); // 2 batches of 4 steps, then the verdict (no bake here)
    assertThat(report.verdict().outcome()).isEqualTo(dev.nonstop.deploy.Verdict.Outcome.PASSED);
  }

  @Test
  void inPlaceWithSurgeKeepsFullCapacityAndFailsNothing() throws Exception {
    up(Fixture.yaml(2, "batch: 1\n"));
    steadyLoad();
    List<Integer> usable = new ArrayList<>();
    CompletableFuture<Event> done = new CompletableFuture<>();
    Progress progress = daemon.deploy(new DeployRequest("1.0.2", "in-place", null, 1, false));
    progress.subscribe(e -> {
      // sampled on the deploying thread, between the steps' own actions
      usable.add((int) daemon.fleet().site().pool().backends().stream().filter(Backend::isUsable).count());
      if (e.isFinal()) {
        done.complete(e);
      }
    });

    Event end = done.get(120, SECONDS);

    assertThat(end.type()).as(end.message()).isEqualTo("done");
    assertThat(usable).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(2));
    moreTraffic(100);
    load.close();
    assertNoFailedRequest();
    assertThat(liveVersions()).containsExactly("1.0.2", "1.0.2");
  }

  @Test
  void blueGreenSwitchesAtomicallyAndRollbackSwitchesBack() throws Exception {
    up(Fixture.yaml(2, "strategy: blue-green\nkeep-old: 10m\n"));
    steadyLoad();

    Event end = finish(daemon.deploy(new DeployRequest("1.0.2", null, null, null, false)));

    assertThat(end.type()).as(end.message()).isEqualTo("done");
    assertThat(lastReport().switchMicros()).isNotNull();
    List<Server> old = daemon.fleet().warm().servers();
    assertThat(old).extracting(s -> s.release().version()).containsOnly("1.0.1");
    await().atMost(Duration.ofSeconds(10)).until(() -> old.stream().allMatch(s -> s.backend().inFlight() == 0));
    long oldServed = served(old);
    moreTraffic(200);
    assertThat(served(old)).as("requests that reached the old group after the switch").isEqualTo(oldServed);
    assertThat(liveVersions()).containsOnly("1.0.2");

    List<Server> green = daemon.fleet().live();
    Event back = finish(daemon.rollback());

    assertThat(back.type()).as(back.message()).isEqualTo("done");
    assertThat(lastReport().kind()).isEqualTo("rollback");
    assertThat(lastReport().switchMicros()).isNotNull();
    assertThat(liveVersions()).containsOnly("1.0.1");
    assertThat(daemon.fleet().live()).containsExactlyInAnyOrderElementsOf(old);
    long greenServed = served(green);
    moreTraffic(200);
    assertThat(served(green)).isEqualTo(greenServed);
    load.close();
    assertNoFailedRequest();
    assertThat(((StatusView) daemon.status()).live()).isEqualTo("1.0.1");
    assertThat(((StatusView) daemon.status()).previous()).isEqualTo("1.0.2");
  }

  @Test
  void aReleaseThatExitsAtStartFailsTheDeployAndTheOldOneKeepsServing() throws Exception {
    up(Fixture.yaml(2, "batch: 1\n"));
    steadyLoad();

    Event end = finish(daemon.deploy(new DeployRequest("1.0.2-exits", "in-place", null, null, false)));

    assertThat(end.type()).isEqualTo("failed");
    assertThat(end.message()).contains("exited with code 1", "failing at start as asked", "1.0.1 is still live");
    moreTraffic(100);
    load.close();
    assertNoFailedRequest();
    assertThat(liveVersions()).containsExactly("1.0.1", "1.0.1");
    assertThat(daemon.fleet().live()).allSatisfy(s -> assertThat(s.backend().health()).isEqualTo(Health.UP));
    assertThat(((StatusView) daemon.status()).live()).isEqualTo("1.0.1");
  }

  @Test
  void aReleaseThatNeverGetsHealthyFailsAtTheDeadlineForBothStrategies() throws Exception {
    up(Fixture.yaml(2, "2s", "batch: 1\n"));
    steadyLoad();

    Event inPlace = finish(daemon.deploy(new DeployRequest("1.0.2-sick", "in-place", null, null, false)));
    Event blueGreen = finish(daemon.deploy(new DeployRequest("1.0.2-sick", "blue-green", null, null, false)));

    assertThat(inPlace.type()).isEqualTo("failed");
    assertThat(inPlace.message()).contains("was not healthy within 2s");
    assertThat(blueGreen.type()).isEqualTo("failed");
    moreTraffic(100);
    load.close();
    assertNoFailedRequest();
    assertThat(liveVersions()).containsExactly("1.0.1", "1.0.1");
    assertThat(daemon.reports()).extracting(Report::result).containsExactly("failed", "failed");
  }

  @Test
  void slowRequestsInFlightDuringADrainComplete() throws Exception {
    up(Fixture.yaml(2, "batch: 2\ndrain: 20s\n"));
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    URI slow = URI.create("http://127.0.0.1:" + daemon.listenAddress().getPort() + "/slow?ms=1500");
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      calls.add(client.sendAsync(HttpRequest.newBuilder(slow).build(), HttpResponse.BodyHandlers.ofString()));
    }
    await().atMost(Duration.ofSeconds(10)).until(() ->
        daemon.fleet().live().stream().mapToInt(s -> s.backend().inFlight()).sum() == 4);

    Event end = finish(daemon.deploy(new DeployRequest("1.0.2", "in-place", null, null, false)));

    assertThat(end.type()).as(end.message()).isEqualTo("done");
    for (CompletableFuture<HttpResponse<String>> call : calls) {
      HttpResponse<String> r = call.get(10, SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).startsWith("slow v1.0.1");
    }
    assertThat(lastReport().longestDrainMs()).isGreaterThan(0);
  }

  @Test
  void aServerKilledMidLoadIsRestartedWithoutAFailedGet() throws Exception {
    up(Fixture.yaml(3, ""));
    steadyLoad();
    Server victim = daemon.fleet().live().get(0);
    long pid = victim.instance().pid();

    ProcessHandle.of(pid).orElseThrow().destroyForcibly();

    await().atMost(Duration.ofSeconds(30)).until(() ->
        victim.instance().pid() != pid && victim.backend().health() == Health.UP);
    moreTraffic(200);
    load.close();
    assertNoFailedRequest();
    assertThat(load.snapshot().versions()).containsOnlyKeys("1.0.1");
  }

  @Test
  void aSecondDeployWhileOneRunsIsRefused() throws Exception {
    up(Fixture.yaml(2, "2s", "batch: 1\n"));
    Progress first = daemon.deploy(new DeployRequest("1.0.2-sick", "in-place", null, null, false));

    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> daemon.deploy(new DeployRequest("1.0.3", null, null, null, false)))
        .hasMessageContaining("is running")
        .hasMessageContaining("nonstop abort");
    finish(first);
    assertThat(daemon.reports()).hasSize(1);
  }

  @Test
  void maintenancePageAnswersUntilTurnedOff() throws Exception {
    up(Fixture.yaml(1, ""));
    HttpClient client = HttpClient.newHttpClient();
    URI root = URI.create("http://127.0.0.1:" + daemon.listenAddress().getPort() + "/");

    daemon.maintenance(true, "Back at 5 pm");
    HttpResponse<String> during = client.send(HttpRequest.newBuilder(root).build(), HttpResponse.BodyHandlers.ofString());
    daemon.maintenance(false, null);
    HttpResponse<String> after = client.send(HttpRequest.newBuilder(root).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(during.statusCode()).isEqualTo(503);
    assertThat(during.body()).contains("Back at 5 pm");
    assertThat(during.headers().firstValue("Retry-After")).isPresent();
    assertThat(after.statusCode()).isEqualTo(200);
    assertThat(after.body()).contains("v1.0.1");
    assertThat(Map.of("maintenance", ((StatusView) daemon.status()).maintenance())).containsEntry("maintenance", false);
  }
  @Test
  void previewServesTheNewGroupBesideTheLiveOneUntilPromoted() throws Exception {
    up(Fixture.yaml(2, "strategy: blue-green\n"));
    steadyLoad();

    Event previewed = finish(daemon.deploy(new DeployRequest("1.0.2", "blue-green", null, null, true)));

    assertThat(previewed.type()).as(previewed.message()).isEqualTo("done");
    StatusView status = (StatusView) daemon.status();
    assertThat(status.live()).isEqualTo("1.0.1");
    assertThat(status.preview()).isNotNull();
    HttpClient client = HttpClient.newHttpClient();
    HttpResponse<String> atPreview = client.send(HttpRequest.newBuilder(URI.create("http://" + status.preview() + "/")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(atPreview.body()).contains("v1.0.2");
    assertThat(liveVersions()).containsOnly("1.0.1");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> daemon.deploy(new DeployRequest("1.0.3", null, null, null, false)))
        .hasMessageContaining("nonstop promote");

    Event promoted = finish(daemon.promote());

    assertThat(promoted.type()).as(promoted.message()).isEqualTo("done");
    assertThat(liveVersions()).containsOnly("1.0.2");
    assertThat(((StatusView) daemon.status()).live()).isEqualTo("1.0.2");
    assertThat(((StatusView) daemon.status()).preview()).isNull();
    Load.Snapshot atPromote = load.snapshot();
    moreTraffic(100);
    load.close();
    assertNoFailedRequest();
    assertThat(load.snapshot().versions().get("1.0.2")).isGreaterThan(atPromote.versions().getOrDefault("1.0.2", 0L));
  }

  @Test
  void abortDropsAPreviewAndStopsARunningDeploy() throws Exception {
    up(Fixture.yaml(2, "30s", "batch: 1\n"));
    finish(daemon.deploy(new DeployRequest("1.0.2", "blue-green", null, null, true)));
    List<Server> previewGroup = daemon.fleet().preview().servers();

    String dropped = daemon.abort();

    assertThat(dropped).contains("dropped the 1.0.2 preview");
    assertThat(daemon.fleet().preview()).isNull();
    await().atMost(Duration.ofSeconds(20)).until(() -> previewGroup.stream().noneMatch(s -> s.instance().isAlive()));

    Progress sick = daemon.deploy(new DeployRequest("1.0.3-sick", "in-place", null, null, false));
    await().atMost(Duration.ofSeconds(20)).until(() -> daemon.fleet().all().stream()
        .anyMatch(s -> s.release().version().equals("1.0.3-sick")));
    String aborting = daemon.abort();
    Event end = finish(sick);

    assertThat(aborting).contains("aborting deploy");
    assertThat(end.type()).isEqualTo("failed");
    assertThat(lastReport().result()).isEqualTo("aborted");
    assertThat(liveVersions()).containsExactly("1.0.1", "1.0.1");
    assertThat(daemon.fleet().all()).allSatisfy(s -> assertThat(s.release().version()).isEqualTo("1.0.1"));
  }

  @Test
  void rollbackAfterAnInPlaceDeployDeploysThePreviousRelease() throws Exception {
    up(Fixture.yaml(2, "batch: 1\n"));
    steadyLoad();
    finish(daemon.deploy(new DeployRequest("1.0.2", "in-place", null, null, false)));

    Event back = finish(daemon.rollback());

    assertThat(back.type()).as(back.message()).isEqualTo("done");
    assertThat(liveVersions()).containsExactly("1.0.1", "1.0.1");
    assertThat(lastReport().kind()).isEqualTo("rollback");
    assertThat(lastReport().strategy()).isEqualTo("in-place");
    load.close();
    assertNoFailedRequest();
  }
}
