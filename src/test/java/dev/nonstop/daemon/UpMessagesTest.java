package dev.nonstop.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nonstop.deploy.DeployException;
import dev.nonstop.deploy.Event;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code up} tells the person at the terminal, and what it accepts. */
class UpMessagesTest {
  @TempDir Path dir;

  @Test
  void upPrintsEachStepOnceAndNamesTheTokenFileInsteadOfTheToken() throws Exception {
    Path file = dir.resolve("nonstop.yml");
    Files.writeString(file, Fixture.yaml(1, ""));
    UpProcess up = UpProcess.live(file, "--version", "1.0.1");
    up.close();
    String out = up.output();
    String token = Files.readString(dir.resolve("state/admin.token")).trim();

    assertThat(out.lines().filter(l -> l.contains("wait until all"))).as(out).hasSize(1);
    assertThat(out.lines().filter(l -> l.contains("is healthy"))).as(out).hasSize(1);
    assertThat(out).doesNotContain(token).doesNotContain("#token=")
        .contains(dir.resolve("state/admin.token").toString()).contains("nonstop dashboard");
  }

  @Test
  void aFailedFirstUpSaysNothingWasLiveRatherThanAPreviousState() throws Exception {
    List<Event> events = new CopyOnWriteArrayList<>();

    assertThatThrownBy(() -> Daemon.start(Fixture.config(dir, 1, ""), "1.0.1-exits", events::add).close())
        .isInstanceOf(DeployException.class);

    assertThat(events).extracting(Event::message).noneMatch(m -> m.contains("previous state"))
        .anyMatch(m -> m.contains("nothing was live"));
  }

  @Test
  void aServerThatReadsPortFromItsEnvironmentNeedsNoPortPlaceholder() throws Exception {
    String yaml = Fixture.yaml(2, "").replace(" --port {port}", "");
    assertThat(yaml).doesNotContain("{port}");

    try (Daemon daemon = Daemon.start(Fixture.config(dir, yaml), "1.0.1", e -> { })) {
      HttpResponse<String> hello = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.listenAddress().getPort() + "/")).build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(hello.statusCode()).isEqualTo(200);
      assertThat(hello.body()).contains("v1.0.1");
    }
  }

  @Test
  void serversWithoutTheirPortOnTheCommandLineAreStillFoundAndTakenOverAfterACrash() throws Exception {
    Path file = dir.resolve("nonstop.yml");
    Files.writeString(file, Fixture.yaml(2, "").replace(" --port {port}", ""));
    List<Long> pids = new java.util.ArrayList<>();
    try (UpProcess first = UpProcess.live(file, "--version", "1.0.1")) {
      new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("state/state.json").toFile())
          .path("servers").forEach(s -> pids.add(s.path("pid").asLong()));
      first.process.destroyForcibly();
      first.process.waitFor();
    }
    assertThat(pids).hasSize(2).allMatch(UpMessagesTest::alive);

    try (UpProcess second = UpProcess.live(file)) {
      assertThat(second.output()).contains("taking over 1.0.1 slot 1", "taking over 1.0.1 slot 2");
      assertThat(pids).allMatch(UpMessagesTest::alive);
    }
    assertThat(pids).as("stopped with the daemon that took them over").noneMatch(UpMessagesTest::alive);
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
