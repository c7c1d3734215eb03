package dev.nonstop.daemon;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nonstop.config.ConfigLoader;
import dev.nonstop.demo.Load;
import dev.nonstop.deploy.DeployRequest;
import dev.nonstop.deploy.Event;
import dev.nonstop.deploy.Report;
import dev.nonstop.proxy.WsClient;
import dev.nonstop.instance.Ports;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WebSockets through real deploys, with a real stack behind Nonstop: the Node app of
 * src/test/node-ws (Express and ws), which closes its sockets with 1001 on SIGTERM. Under load,
 * every WebSocket client sees its server's own clean close, never a cut, and reconnects to the new
 * release; no ordinary request fails. Skipped without node (scripts/install-test-tools.sh).
 */
class WebSocketDeployTest {
  private static final Path APP = Path.of("src/test/node-ws").toAbsolutePath();
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private Daemon daemon;
  private Load load;
  private final List<WsClient> clients = new ArrayList<>();

  @BeforeEach
  void node() {
    assumeTrue(java.util.stream.Stream.of(System.getenv("PATH").split(":"))
        .anyMatch(d -> Files.isExecutable(Path.of(d, "node"))), "no node on the PATH: skipped");
    assumeTrue(Files.isDirectory(APP.resolve("node_modules/ws")), "no " + APP + "/node_modules: skipped");
  }

  @AfterEach
  void stop() {
    clients.forEach(WsClient::cut);
    if (load != null) {
      load.close();
    }
    if (daemon != null) {
      daemon.close();
    }
  }

  private void up(String extra) throws Exception {
    Path file = dir.resolve("nonstop.yml");
    Files.writeString(file, "app: chat\n"
        + "listen: 127.0.0.1:" + Ports.free() + "\n"
        + "admin: 127.0.0.1:" + Ports.free() + "\n"
        + "instances: 2\n"
        + "run: node server.js\n"
        + "workdir: " + APP + "\n"
        + "health: { path: /health, interval: 100ms, timeout: 1s, rise: 1, fall: 2, deadline: 30s }\n"
        + "stop: { signal: TERM, timeout: 5s }\n"
        + "drain: 20s\n"
        + "batch: 1\n"
        + "bake: 0s\n"
        + "state: state\n"
        + extra);
    daemon = Daemon.start(ConfigLoader.load(file), "1.0.1", e -> { });
    load = Load.start(daemon.listenAddress(), "/", 4, 100);
    long start = load.snapshot().ok();
    org.awaitility.Awaitility.await().atMost(WAIT).until(() -> load.snapshot().ok() > start + 20);
  }

  private WsClient connect(String expectVersion) throws Exception {
    WsClient c = WsClient.connect(daemon.listenAddress(), "/ws", WAIT);
    clients.add(c);
    c.send("who");
    assertThat(c.receive(WAIT)).isEqualTo(expectVersion);
    return c;
  }

  private Report lastReport() {
    List<Report> r = daemon.reports();
    return r.get(r.size() - 1);
  }

  @Test
  void anInPlaceDeployClosesEachSocketCleanlyFromItsServerAndClientsComeBackToTheNewRelease() throws Exception {
    up("");
    List<WsClient> before = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      before.add(connect("1.0.1"));
    }

    Event end = daemon.deploy(new DeployRequest("1.0.2", "in-place", null, null, false)).done().get(120, SECONDS);

    assertThat(end.type()).as(end.message()).isEqualTo("done");
    for (WsClient c : before) {
      assertThat(c.awaitClose(WAIT).code()).as("closed by its server, with Going Away").isEqualTo(1001);
    }
    Report r = lastReport();
    assertThat(r.streams().closedByApp()).isEqualTo(4);
    assertThat(r.streams().closedByProxy()).isZero();
    assertThat(r.longestDrainMs()).as("no drain waited for a WebSocket").isLessThan(20_000);
    assertThat(load.snapshot().failed()).as("%s", load.snapshot().failures()).isZero();
    for (int i = 0; i < 4; i++) {
      connect("1.0.2");
    }
  }

  @Test
  void aBlueGreenSwitchKeepsSocketsOnTheWarmGroupUntilItRetiresThenTheyMoveCleanly() throws Exception {
    up("keep-old: 3s\n");
    WsClient old = connect("1.0.1");

    Event end = daemon.deploy(new DeployRequest("1.0.2", "blue-green", null, null, false)).done().get(120, SECONDS);
    assertThat(end.type()).as(end.message()).isEqualTo("done");
    old.send("who");
    assertThat(old.receive(WAIT)).as("still on the old group, kept warm").isEqualTo("1.0.1");
    connect("1.0.2");

    assertThat(old.awaitClose(WAIT).code()).as("the retired group's server closed it").isEqualTo(1001);
    connect("1.0.2");
    assertThat(load.snapshot().failed()).as("%s", load.snapshot().failures()).isZero();
  }

  @Test
  void withCloseOnSwitchTheSocketsOfTheOldGroupCloseAtTheSwitch() throws Exception {
    up("keep-old: 10m\nstreams: { on-switch: close }\n");
    WsClient old = connect("1.0.1");

    Event end = daemon.deploy(new DeployRequest("1.0.2", "blue-green", null, null, false)).done().get(120, SECONDS);

    assertThat(end.type()).as(end.message()).isEqualTo("done");
    assertThat(old.awaitClose(WAIT).cut()).as("closed by the proxy: no close frame").isTrue();
    assertThat(lastReport().streams().closedByProxy()).isEqualTo(1);
    connect("1.0.2");
    assertThat(load.snapshot().failed()).as("%s", load.snapshot().failures()).isZero();
  }
}
