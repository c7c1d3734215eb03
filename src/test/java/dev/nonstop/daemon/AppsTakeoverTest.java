package dev.nonstop.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nonstop.config.ConfigLoader;
import dev.nonstop.demo.Load;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code up} with several apps, as real processes driven by the CLI: an app added to a one-app
 * file keeps the running app's servers, a takeover keeps every app's servers under load, and an
 * app removed from the file has its servers stopped.
 */
class AppsTakeoverTest {
  @TempDir Path dir;
  private final List<UpProcess> ups = new ArrayList<>();
  private final List<Load> loads = new ArrayList<>();
  private Path file;

  @AfterEach
  void stopAll() {
    loads.forEach(Load::close);
    ups.forEach(UpProcess::close);
  }

  private UpProcess up(String... extra) throws IOException {
    UpProcess p = UpProcess.live(file, extra);
    ups.add(p);
    return p;
  }

  private CliRun cli(String... args) {
    return CliRun.of(file, args);
  }

  private List<Long> pids(String app) throws IOException {
    CliRun r = app == null ? cli("status", "--json") : cli("status", "--json", "--app", app);
    assertThat(r.code()).as(r.err()).isZero();
    List<Long> pids = new ArrayList<>();
    new ObjectMapper().readTree(r.out()).path("groups")
        .forEach(g -> g.path("servers").forEach(s -> pids.add(s.path("pid").asLong())));
    return pids;
  }

  private Load load(InetSocketAddress listen, String host) {
    Load load = Load.start(listen, "//" + host + "/", 3, 100);
    loads.add(load);
    long start = load.snapshot().ok();
    await().atMost(Duration.ofSeconds(20)).until(() -> load.snapshot().ok() > start + 20);
    return load;
  }

  private static void moreTraffic(Load load) {
    long start = load.snapshot().ok();
    await().atMost(Duration.ofSeconds(30)).until(() -> load.snapshot().ok() > start + 100);
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  @Test
  void appsComeAndGoWhileTheOthersServersRunOn() throws Exception {
    file = dir.resolve("nonstop.yml");
    String single = Fixture.yaml(2, "");
    Files.writeString(file, single);
    UpProcess first = up("--version", "1.0.1");
    List<Long> hello = pids(null);

    // the one-app file becomes a file of two apps: hello keeps its servers, api starts its own
    String process = single.lines().filter(l -> l.startsWith("listen:") || l.startsWith("admin:"))
        .reduce("", (a, l) -> a + l + "\n") + "state: state\napps:\n";
    String helloApp = Fixture.app("hello", 2, "hosts: [hello.test]\ndefault: true\n");
    Files.writeString(file, process + helloApp + Fixture.app("api", 2, "hosts: [api.test]\n"));
    UpProcess second = up("--takeover", "--version", "api=2.0.1");
    assertThat(first.exitCode(60)).as(first.output()).isZero();
    assertThat(pids("hello")).containsExactlyInAnyOrderElementsOf(hello);
    List<Long> api = pids("api");
    assertThat(api).hasSize(2);
    assertThat(dir.resolve("state/state.json")).doesNotExist();
    assertThat(dir.resolve("state/apps/hello.json")).exists();
    CliRun status = cli("status");
    assertThat(status.out()).contains("hello: 1.0.1 live", "api: 2.0.1 live");
    CliRun refused = cli("deploy", "1.0.2");
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err()).contains("which app? this nonstop runs hello, api (expected: --app NAME");

    // a takeover under load on both apps: no failed request, and every server stays
    InetSocketAddress listen = ConfigLoader.loadAll(file).listen();
    Load helloLoad = load(listen, "hello.test");
    Load apiLoad = load(listen, "api.test");
    UpProcess third = up("--takeover");
    assertThat(second.exitCode(60)).as(second.output()).isZero();
    moreTraffic(helloLoad);
    moreTraffic(apiLoad);
    loads.forEach(Load::close);
    for (Load l : loads) {
      assertThat(l.snapshot().failed()).as("failed requests: %s", l.snapshot().failures()).isZero();
    }
    assertThat(helloLoad.snapshot().versions()).containsOnlyKeys("1.0.1");
    assertThat(apiLoad.snapshot().versions()).containsOnlyKeys("2.0.1");
    assertThat(pids("hello")).containsExactlyInAnyOrderElementsOf(hello);
    assertThat(pids("api")).containsExactlyInAnyOrderElementsOf(api);

    // api leaves the file: its servers are stopped, hello's run on
    Files.writeString(file, process + helloApp);
    up("--takeover");
    assertThat(third.exitCode(60)).as(third.output()).isZero();
    await().atMost(Duration.ofSeconds(30)).until(() -> api.stream().noneMatch(AppsTakeoverTest::alive));
    assertThat(pids(null)).containsExactlyInAnyOrderElementsOf(hello);
    assertThat(ups.get(3).output()).contains("app api is no longer in nonstop.yml: stopping its 2 server(s)");
    await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(dir.resolve("state/apps/api.json")));
  }
}
