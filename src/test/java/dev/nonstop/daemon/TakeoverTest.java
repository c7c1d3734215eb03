package dev.nonstop.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nonstop.config.AppConfig;
import dev.nonstop.config.ConfigLoader;
import dev.nonstop.demo.Load;
import dev.nonstop.instance.Ports;
import dev.nonstop.proxy.H2Wire;
import java.io.IOException;
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
 * {@code nonstop up --takeover}: a second daemon takes the listening socket and the servers from
 * the running one, under steady load, without a failed request, a refused connection or a
 * restarted server.
 */
class TakeoverTest {
  @TempDir Path dir;
  private final List<UpProcess> ups = new ArrayList<>();
  private Path file;
  private Load load;

  @BeforeEach
  void fileName() {
    file = dir.resolve("nonstop.yml");
  }

  /** Writes {@code yaml} as the app's nonstop.yml; returns what it says. */
  private AppConfig write(String yaml) throws IOException {
    Files.writeString(file, yaml);
    return ConfigLoader.load(file);
  }

  @AfterEach
  void stopAll() {
    if (load != null) {
      load.close();
    }
    for (UpProcess p : ups) {
      p.close();
    }
  }

  private UpProcess up(String... extra) throws IOException {
    UpProcess p = UpProcess.live(file, extra);
    ups.add(p);
    return p;
  }

  private CliRun cli(String... args) {
    return CliRun.of(file, args);
  }

  private JsonNode status() throws IOException {
    CliRun r = cli("status", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    return new ObjectMapper().readTree(r.out());
  }

  private List<Long> livePids() throws IOException {
    List<Long> pids = new ArrayList<>();
    status().path("groups").forEach(g -> g.path("servers").forEach(s -> pids.add(s.path("pid").asLong())));
    return pids;
  }

  private void steadyLoad(AppConfig config) {
    load = Load.start(config.listen(), "/", 4, 200);
    long start = load.snapshot().ok();
    await().atMost(Duration.ofSeconds(20)).until(() -> load.snapshot().ok() > start + 50);
  }

  private void moreTraffic() {
    long start = load.snapshot().ok();
    await().atMost(Duration.ofSeconds(20)).until(() -> load.snapshot().ok() > start + 200);
  }

  @Test
  void aTakeoverUnderLoadFailsNoRequestAndKeepsEveryServer() throws Exception {
    AppConfig config = write(Fixture.yaml(2, "drain: 5s\n"));
    UpProcess old = up("--version", "1.0.1");
    assertThat(cli("deploy", "1.0.2").code()).isZero();
    List<Long> servers = livePids();
    steadyLoad(config);

    UpProcess next = up("--takeover");

    assertThat(old.exitCode(60)).as(old.output()).isZero();
    assertThat(old.output()).contains("took over: exiting; the servers keep running");
    moreTraffic();
    load.close();
    Load.Snapshot s = load.snapshot();
    assertThat(s.failed()).as("failed requests: %s", s.failures()).isZero();
    assertThat(livePids()).containsExactlyInAnyOrderElementsOf(servers);
    JsonNode status = status();
    assertThat(status.path("live").asText()).isEqualTo("1.0.2");
    assertThat(status.path("previous").asText()).isEqualTo("1.0.1");
    assertThat(status.path("pending")).isEmpty();
    assertThat(next.process.isAlive()).isTrue();

    // the new daemon is a full one: it deploys, and it can be taken over in turn
    CliRun deploy = cli("deploy", "1.0.3");
    assertThat(deploy.code()).as(deploy.out() + deploy.err()).isZero();
    up("--takeover");
    assertThat(next.exitCode(60)).isZero();
    assertThat(status().path("live").asText()).isEqualTo("1.0.3");
  }

  @Test
  void anHttp2StreamUnderWayFinishesOnItsConnectionAcrossATakeover() throws Exception {
    AppConfig config = write(Fixture.yaml(2, "h2c: true\n"));
    UpProcess old = up("--version", "1.0.1");
    try (H2Wire h2 = new H2Wire(config.listen())) {
      h2.headers(1, H2Wire.get("/slow?ms=3000"), true); // under way well before the newcomer starts
      up("--takeover");
      H2Wire.Frame first = h2.untilGoAway(); // the old daemon's: open the next streams elsewhere
      assertThat(first).isNotNull();
      assertThat(first.errorCode()).isZero();
      H2Wire.Response r = h2.response(1);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).startsWith("slow v1.0.1 3000 ms");
      assertThat(h2.closedByServer()).isTrue();
    }
    assertThat(old.exitCode(60)).as(old.output()).isZero();
    // the new daemon speaks HTTP/2 on the socket it took over
    try (H2Wire h2 = new H2Wire(config.listen())) {
      h2.headers(1, H2Wire.get("/"), true);
      assertThat(h2.response(1).status()).isEqualTo(200);
    }
  }

  @Test
  void anEditedFileAppliesItsProxySettingsAtOnceAndItsServerSettingsAtTheNextDeploy() throws Exception {
    String original = Fixture.yaml(2, "");
    Files.writeString(file, original);
    UpProcess old = up("--version", "1.0.1");
    List<Long> servers = livePids();

    Files.writeString(file, original.replace("instances: 2", "instances: 3") + "env: { GREETING: hej }\n");
    up("--takeover");
    assertThat(old.exitCode(60)).isZero();

    JsonNode status = status();
    assertThat(livePids()).containsExactlyInAnyOrderElementsOf(servers);
    assertThat(status.path("pending").toString()).contains("env", "instances");
    assertThat(cli("status").out()).contains("pending: env, instances");

    CliRun deploy = cli("deploy", "1.0.2");
    assertThat(deploy.code()).as(deploy.out() + deploy.err()).isZero();
    assertThat(status().path("pending")).isEmpty();
    assertThat(livePids()).hasSize(3);
  }

  @Test
  void theGroupKeptWarmIsTakenOverTooSoThatARollbackIsStillASwitchBack() throws Exception {
    Files.writeString(file, Fixture.yaml(2, "keep-old: 10m\n"));
    UpProcess old = up("--version", "1.0.1");
    List<Long> first = livePids();
    CliRun deploy = cli("deploy", "1.0.2", "--strategy", "blue-green");
    assertThat(deploy.code()).as(deploy.out() + deploy.err()).isZero();

    up("--takeover");
    assertThat(old.exitCode(60)).isZero();
    List<Long> warm = new ArrayList<>();
    status().path("groups").forEach(g -> {
      if (g.path("role").asText().equals("old")) {
        g.path("servers").forEach(s -> warm.add(s.path("pid").asLong()));
      }
    });
    assertThat(warm).containsExactlyInAnyOrderElementsOf(first);

    CliRun rollback = cli("rollback");
    assertThat(rollback.code()).as(rollback.out() + rollback.err()).isZero();
    assertThat(rollback.out()).contains("by switching back");
    assertThat(status().path("live").asText()).isEqualTo("1.0.1");
    assertThat(livePids()).containsExactlyInAnyOrderElementsOf(first);
  }

  @Test
  void aNewcomerThatFailsAfterTakingTheServersLeavesThemToTheRunningDaemon() throws Exception {
    String original = Fixture.yaml(2, "");
    AppConfig config = write(original);
    UpProcess old = up("--version", "1.0.1");
    List<Long> servers = livePids();
    steadyLoad(config);

    // it adopts the servers, then cannot tell systemd its pid: it gives up before serving
    UpProcess failing = UpProcess.start(java.util.Map.of("NOTIFY_SOCKET", dir.resolve("nobody").toString()),
        file, "--takeover");
    assertThat(failing.exitCode(60)).isEqualTo(1);
    assertThat(failing.output()).contains("systemd was not told");
    // a listen edited since cannot move with the socket
    Files.writeString(file, original.replaceFirst("listen: 127.0.0.1:\\d+", "listen: 127.0.0.1:" + Ports.free()));
    UpProcess moved = UpProcess.start(file, "--takeover");
    assertThat(moved.exitCode(60)).isEqualTo(1);
    assertThat(moved.output()).contains("a takeover keeps that socket");
    Files.writeString(file, original);

    moreTraffic();
    load.close();
    assertThat(load.snapshot().failed()).as("%s", load.snapshot().failures()).isZero();
    assertThat(old.process.isAlive()).isTrue();
    assertThat(livePids()).containsExactlyInAnyOrderElementsOf(servers);
    assertThat(cli("deploy", "1.0.2").code()).as("the running daemon takes changes again").isZero();
  }

  @Test
  void anInvalidFileOrABusyDaemonRefusesTheTakeoverAndChangesNothing() throws Exception {
    String good = Fixture.yaml(1, "");
    Files.writeString(file, good);
    UpProcess old = up("--version", "1.0.1");
    List<Long> servers = livePids();

    Files.writeString(file, good + "instances: many\n");
    UpProcess bad = UpProcess.start(file, "--takeover");
    assertThat(bad.exitCode(60)).isEqualTo(2);

    Files.writeString(file, good);
    Thread deploy = new Thread(() -> cli("deploy", "1.0.2-sick", "--surge", "1"));
    deploy.setDaemon(true);
    deploy.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> status().path("deploying").isObject());
    UpProcess busy = UpProcess.start(file, "--takeover");
    assertThat(busy.exitCode(60)).isEqualTo(1);
    assertThat(busy.output()).contains("no takeover").contains("is running: wait for it");

    assertThat(old.process.isAlive()).isTrue();
    assertThat(livePids()).containsAll(servers);
  }
}
