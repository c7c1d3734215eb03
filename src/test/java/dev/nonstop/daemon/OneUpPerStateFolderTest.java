package dev.nonstop.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nonstop.cli.Main;
import dev.nonstop.config.AppConfig;
import dev.nonstop.config.ConfigLoader;
import dev.nonstop.demo.Load;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A second {@code nonstop up} on a state folder in use is refused and changes nothing. */
class OneUpPerStateFolderTest {
  @TempDir Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void stopAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  @Test
  void aSecondUpWithTheSameFileIsRefusedWhileTheFirstServesOn() throws Exception {
    Path file = dir.resolve("nonstop.yml");
    Files.writeString(file, Fixture.yaml(2, ""));
    UpProcess first = opened(UpProcess.live(file, "--version", "1.0.1"));
    AppConfig config = ConfigLoader.load(file);
    List<Long> pids = serverPids(file);
    Load load = opened(Load.start(config.listen(), "/", 2, 50));
    long before = load.snapshot().ok();
    await().atMost(Duration.ofSeconds(20)).until(() -> load.snapshot().ok() > before + 20);

    UpProcess second = opened(UpProcess.start(file, "--version", "1.0.1"));
    int code = second.exitCode(30);
    long after = load.snapshot().ok();
    await().atMost(Duration.ofSeconds(20)).until(() -> load.snapshot().ok() > after + 20);

    assertThat(code).as(second.output()).isNotZero();
    assertThat(second.output())
        .contains("pid " + first.process.pid())
        .contains("127.0.0.1:" + config.listen().getPort())
        .contains("127.0.0.1:" + config.admin().getPort())
        .doesNotContain("stopping a server left running");
    assertThat(serverPids(file)).isEqualTo(pids);
    assertThat(load.snapshot().failed()).as("failed requests: %s", load.snapshot().failures()).isZero();
  }

  @Test
  void anotherAppPointedAtTheSameStateFolderIsRefusedAndTheStateFileStaysAsItWas() throws Exception {
    Path file = dir.resolve("nonstop.yml");
    Files.writeString(file, Fixture.yaml(1, ""));
    UpProcess first = opened(UpProcess.live(file, "--version", "1.0.1"));
    List<Long> pids = serverPids(file);
    byte[] state = Files.readAllBytes(dir.resolve("state/state.json"));
    Path other = Files.createDirectories(dir.resolve("other")).resolve("nonstop.yml");
    Files.writeString(other, Fixture.yaml(1, "").replace("app: hello", "app: other")
        .replace("state: state", "state: " + dir.resolve("state")));

    UpProcess second = opened(UpProcess.start(other, "--version", "2.0.0"));

    assertThat(second.exitCode(30)).as(second.output()).isNotZero();
    assertThat(second.output()).contains("pid " + first.process.pid()).doesNotContain("stopping a server left running");
    assertThat(Files.readAllBytes(dir.resolve("state/state.json"))).isEqualTo(state);
    assertThat(serverPids(file)).isEqualTo(pids);
  }

  @Test
  void aTakenListenPortIsOneLineNamingThePortAndNoServerStarts() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Path file = dir.resolve("nonstop.yml");
      Files.writeString(file, Fixture.yaml(1, "").replaceFirst("listen: 127.0.0.1:\\d+", "listen: 127.0.0.1:" + taken.getLocalPort()));

      UpProcess up = opened(UpProcess.start(file, "--version", "1.0.1"));

      assertThat(up.exitCode(30)).as(up.output()).isEqualTo(1);
      assertThat(up.output()).contains("listen: 127.0.0.1:" + taken.getLocalPort() + " is taken")
          .contains("where clients connect").doesNotContain("\tat ").doesNotContain("Exception:");
      assertThat(up.output().lines().filter(l -> l.contains("is taken"))).hasSize(1);
      assertThat(dir.resolve("state/logs")).doesNotExist();
    }
  }

  @Test
  void aTakenPreviewPortIsRefusedBeforeAnyServerStarts() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Path file = dir.resolve("nonstop.yml");
      Files.writeString(file, Fixture.yaml(1, "preview: 127.0.0.1:" + taken.getLocalPort() + "\n"));

      UpProcess up = opened(UpProcess.start(file, "--version", "1.0.1"));

      assertThat(up.exitCode(30)).as(up.output()).isEqualTo(1);
      assertThat(up.output()).contains("preview: 127.0.0.1:" + taken.getLocalPort() + " is taken");
      assertThat(dir.resolve("state/logs")).doesNotExist();
    }
  }

  private <T extends AutoCloseable> T opened(T resource) {
    open.add(resource);
    return resource;
  }

  private static List<Long> serverPids(Path file) throws Exception {
    StringWriter out = new StringWriter();
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    assertThat(cl.execute("status", "--json", "-f", file.toString())).isZero();
    JsonNode status = new ObjectMapper().readTree(out.toString());
    List<Long> pids = new ArrayList<>();
    status.path("groups").forEach(g -> g.path("servers").forEach(s -> pids.add(s.path("pid").asLong())));
    assertThat(pids).isNotEmpty();
    return pids;
  }
}
