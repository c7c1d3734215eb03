package dev.nonstop.daemon;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.nonstop.admin.ControlException;
import dev.nonstop.deploy.DeployRequest;
import dev.nonstop.deploy.Event;
import dev.nonstop.deploy.Progress;
import dev.nonstop.demo.Load;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two apps behind one listener, routed by host name: each deploys, and goes into maintenance, on its own. */
class AppsTest {
  @TempDir Path dir;
  private Daemon daemon;
  private Load webLoad;
  private Load apiLoad;

  @AfterEach
  void stop() {
    for (Load l : new Load[] {webLoad, apiLoad}) {
      if (l != null) {
        l.close();
      }
    }
    if (daemon != null) {
      daemon.close();
    }
  }

  /** web answers web.test and every host no app names; api answers api.test, and web.test's /api. */
  private Daemon up(int instances) throws Exception {
    String yaml = Fixture.apps(
        Fixture.app("web", instances, "hosts: [web.test]\ndefault: true\n"),
        Fixture.app("api", instances, "hosts: [api.test]\n"),
        Fixture.app("docs", 1, "hosts: [web.test]\npath: /docs\nstrip-path: true\n"));
    daemon = Daemon.start(Fixture.configAll(dir, yaml), Versions.parse(List.of("web=1.0.1", "api=2.0.1", "docs=3.0.1")),
        e -> { }, Daemon.Launch.BIND);
    return daemon;
  }

  private HostClient.Answer get(String host, String path) throws Exception {
    return HostClient.get(daemon.listenAddress(), host, path);
  }

  private Load load(String host) {
    Load load = Load.start(daemon.listenAddress(), "//" + host + "/", 3, 100);
    long start = load.snapshot().ok();
    await().atMost(Duration.ofSeconds(20)).until(() -> load.snapshot().ok() > start + 20);
    return load;
  }

  private static void moreTraffic(Load load) {
    long start = load.snapshot().ok();
    await().atMost(Duration.ofSeconds(30)).until(() -> load.snapshot().ok() > start + 100);
  }

  @Test
  void requestsGoToTheAppOfTheirHostAndPath() throws Exception {
    up(1);

    assertThat(get("web.test", "/").body()).contains("v1.0.1");
    assertThat(get("API.test:8080", "/").body()).contains("v2.0.1");
    assertThat(get("elsewhere.test", "/").body()).as("the default app").contains("v1.0.1");
    assertThat(get("web.test", "/docs").body()).contains("v3.0.1");
    HostClient.Answer intro = get("web.test", "/docs/intro");
    assertThat(intro.version()).isEqualTo("3.0.1");
    assertThat(intro.body()).as("the prefix is stripped").isEqualTo("not found: /intro\n");
    assertThat(get("web.test", "/docsearch").version()).as("a prefix ends at a /").isEqualTo("1.0.1");
    assertThat(daemon.reports("docs")).isEmpty();
  }

  @Test
  void withSeveralAppsAChangeMustNameItsApp() throws Exception {
    up(1);

    assertThatThrownBy(() -> daemon.deploy(null, new DeployRequest("1.0.2", null, null, null, false)))
        .isInstanceOfSatisfying(ControlException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining("web, api, docs");
    assertThatThrownBy(() -> daemon.maintenance(null, true, null)).isInstanceOf(ControlException.class)
        .hasMessageContaining("which app?");
    assertThatThrownBy(() -> daemon.rollback("nope")).isInstanceOfSatisfying(ControlException.class,
        e -> assertThat(e.status()).isEqualTo(404));
    assertThat(daemon.status(null)).isInstanceOfSatisfying(Daemon.AppsView.class, all ->
        assertThat(all.apps()).extracting(v -> ((StatusView) v).app()).containsExactly("web", "api", "docs"));
    assertThat(((StatusView) daemon.status("api")).live()).isEqualTo("2.0.1");
  }

  @Test
  void bothAppsDeployAtTheSameTimeUnderLoadWithoutAFailedRequest() throws Exception {
    up(2);
    webLoad = load("web.test");
    apiLoad = load("api.test");

    Progress web = daemon.deploy("web", new DeployRequest("1.0.2", "in-place", "1", null, false));
    Progress api = daemon.deploy("api", new DeployRequest("2.0.2", "blue-green", null, null, false));
    assertThatThrownBy(() -> daemon.deploy("web", new DeployRequest("1.0.3", null, null, null, false)))
        .as("one deployment of an app at a time").isInstanceOfSatisfying(ControlException.class,
            e -> assertThat(e.status()).isEqualTo(409));
    Event webEnd = web.done().get(120, SECONDS);
    Event apiEnd = api.done().get(120, SECONDS);

    assertThat(webEnd.type()).as(webEnd.message()).isEqualTo("done");
    assertThat(apiEnd.type()).as(apiEnd.message()).isEqualTo("done");
    moreTraffic(webLoad);
    moreTraffic(apiLoad);
    webLoad.close();
    apiLoad.close();
    for (Load l : List.of(webLoad, apiLoad)) {
      assertThat(l.snapshot().failed()).as("failed requests: %s", l.snapshot().failures()).isZero();
    }
    assertThat(webLoad.snapshot().versions()).containsOnlyKeys("1.0.1", "1.0.2");
    assertThat(apiLoad.snapshot().versions()).containsOnlyKeys("2.0.1", "2.0.2");
    assertThat(((StatusView) daemon.status("web")).live()).isEqualTo("1.0.2");
    assertThat(((StatusView) daemon.status("api")).live()).isEqualTo("2.0.2");
    assertThat(daemon.reports("web")).singleElement().satisfies(r -> assertThat(r.failed()).isZero());
    assertThat(daemon.reports("api")).singleElement().satisfies(r -> assertThat(r.failed()).isZero());
    String metrics = daemon.metrics();
    assertThat(metrics).containsPattern("nonstop_requests_total\\{app=\"web\",backend=\"127.0.0.1:\\d+\",release=\"1.0.2\",status=\"2xx\"}")
        .containsPattern("nonstop_requests_total\\{app=\"api\",backend=\"127.0.0.1:\\d+\",release=\"2.0.2\",status=\"2xx\"}")
        .contains("nonstop_deploys_total{app=\"api\",kind=\"deploy\",result=\"done\",strategy=\"blue-green\"} 1.0");
  }

  @Test
  void maintenanceOfOneAppLeavesTheOthersServing() throws Exception {
    up(1);

    daemon.maintenance("api", true, "back soon");

    HostClient.Answer api = get("api.test", "/");
    assertThat(api.status()).isEqualTo(503);
    assertThat(api.body()).contains("back soon");
    assertThat(get("web.test", "/").status()).isEqualTo(200);
    assertThat(get("web.test", "/docs/").status()).isEqualTo(200);
    assertThat(((StatusView) daemon.status("api")).maintenance()).isTrue();
    assertThat(((StatusView) daemon.status("web")).maintenance()).isFalse();
    assertThat(Files.readString(dir.resolve("state/apps/api.json"))).contains("back soon");

    daemon.maintenance("api", false, null);
    assertThat(get("api.test", "/").body()).contains("v2.0.1");
  }

  @Test
  void withoutADefaultAnUnknownHostGets404() throws Exception {
    String yaml = Fixture.apps(Fixture.app("web", 1, "hosts: [web.test]\n"), Fixture.app("api", 1, "hosts: [api.test]\n"));
    daemon = Daemon.start(Fixture.configAll(dir, yaml), Versions.of("1.0.1"), e -> { }, Daemon.Launch.BIND);

    assertThat(get("elsewhere.test", "/").status()).isEqualTo(404);
    assertThat(get("api.test", "/").body()).contains("v1.0.1");
    assertThat(Map.of("web", daemon.fleet("web").live().size(), "api", daemon.fleet("api").live().size()))
        .containsEntry("web", 1).containsEntry("api", 1);
    InetSocketAddress listen = daemon.listenAddress();
    assertThat(listen.getPort()).isPositive();
  }
}
