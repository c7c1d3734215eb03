package dev.nonstop.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nonstop.cli.Main;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nonstop up} as a real process, driven by the real CLI over the admin API. */
class UpRestartTest {
  @TempDir Path dir;
  private final List<Process> ups = new ArrayList<>();
  private Path file;

  @AfterEach
  void stopAll() throws InterruptedException {
    for (Process p : ups) {
      p.destroy();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  /** Starts {@code nonstop up}; returns once it says the app is live. */
  private Process up(String... extra) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Fixture.java(), "-Xmx128m", "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "up", "-f", file.toString()));
    cmd.addAll(List.of(extra));
    Process p = new ProcessBuilder(cmd)
        .redirectError(dir.resolve("up-" + ups.size() + ".err").toFile())
        .start();
    ups.add(p);
    CompletableFuture<String> live = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        StringBuilder all = new StringBuilder();
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          all.append(line).append('\n');
          if (line.contains("is live on")) {
            live.complete(all.toString());
          }
        }
        live.completeExceptionally(new IllegalStateException("up ended before it was live:\n" + all));
      } catch (IOException e) {
        live.completeExceptionally(e);
      }
    });
    reader.setDaemon(true);
    reader.start();
    live.orTimeout(90, TimeUnit.SECONDS).join();
    return p;
  }

  private CliRun cli(String... args) {
    return CliRun.of(file, args);
  }

  private JsonNode json(String... args) throws IOException {
    CliRun r = cli(args);
    assertThat(r.code()).as(r.err()).isZero();
    return new ObjectMapper().readTree(r.out());
  }

  @Test
  void upKilledAndStartedAgainComesBackWithTheSameLiveReleaseAndHistory() throws Exception {
    file = dir.resolve("nonstop.yml");
    Files.writeString(file, Fixture.yaml(2, "batch: 1\n"));
    Process first = up("--version", "1.0.1");

    CliRun deploy = cli("deploy", "1.0.2");
    assertThat(deploy.code()).as(deploy.out() + deploy.err()).isZero();
    assertThat(deploy.out()).contains("1.0.2 is live");
    List<Long> pids = new ArrayList<>();
    json("status", "--json").path("groups").forEach(g -> g.path("servers").forEach(s -> pids.add(s.path("pid").asLong())));
    assertThat(pids).hasSize(2);

    first.destroyForcibly();
    first.waitFor(30, TimeUnit.SECONDS);
    Process second = up();
    assertThat(Files.readString(dir.resolve("up-1.err"))).contains("taking over 1.0.2 slot 1");

    JsonNode status = json("status", "--json");
    assertThat(status.path("live").asText()).isEqualTo("1.0.2");
    assertThat(status.path("previous").asText()).isEqualTo("1.0.1");
    JsonNode history = json("history", "--json");
    assertThat(history).hasSize(1);
    assertThat(history.get(0).path("to").asText()).isEqualTo("1.0.2");
    assertThat(history.get(0).path("result").asText()).isEqualTo("done");
    // the servers outlived the daemon and were taken over, not restarted
    assertThat(livePids()).containsExactlyInAnyOrderElementsOf(pids);
    HttpClient client = HttpClient.newHttpClient();
    String listen = status.path("listen").asText();
    HttpResponse<String> hello = client.send(HttpRequest.newBuilder(URI.create("http://" + listen + "/")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(hello.body()).contains("v1.0.2");

    List<Long> running = new ArrayList<>();
    json("status", "--json").path("groups").forEach(g -> g.path("servers").forEach(s -> running.add(s.path("pid").asLong())));
    second.destroy();
    assertThat(second.waitFor(60, TimeUnit.SECONDS)).as("up stopped after SIGTERM").isTrue();
    assertThat(running).isNotEmpty().allSatisfy(pid ->
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("server %d", pid).isFalse());
  }

  private List<Long> livePids() throws IOException {
    List<Long> pids = new ArrayList<>();
    json("status", "--json").path("groups").forEach(g -> {
      if (g.path("role").asText().equals("live")) {
        g.path("servers").forEach(s -> pids.add(s.path("pid").asLong()));
      }
    });
    return pids;
  }

  /** The pids of running processes whose environment carries {@code TEST_RUN=run}: every server of this test. */
  private static List<Long> serversOf(String run) {
    byte[] wanted = ("TEST_RUN=" + run).getBytes(StandardCharsets.UTF_8);
    List<Long> found = new ArrayList<>();
    ProcessHandle.allProcesses().filter(ProcessHandle::isAlive).forEach(h -> {
      try {
        byte[] env = Files.readAllBytes(Path.of("/proc", Long.toString(h.pid()), "environ"));
        String text = new String(env, StandardCharsets.ISO_8859_1);
        if (java.util.Arrays.asList(text.split("\0")).contains(new String(wanted, StandardCharsets.ISO_8859_1))) {
          found.add(h.pid());
        }
      } catch (IOException | RuntimeException e) {
        // gone meanwhile, or not ours
      }
    });
    return found;
  }

  @Test
  void upKilledInTheMiddleOfADeployTakesTheLiveServersOverAndStopsTheDeploysOwn() throws Exception {
    String run = java.util.UUID.randomUUID().toString();
    file = dir.resolve("nonstop.yml");
    Files.writeString(file, Fixture.yaml(2, "batch: 1\nenv: { TEST_RUN: \"" + run + "\" }\n"));
    Process first = up("--version", "1.0.1");
    List<Long> live = livePids();
    assertThat(live).hasSize(2);

    // a deploy whose new servers never get healthy: it waits with both started beside the live ones
    Thread deploy = new Thread(() -> cli("deploy", "1.0.2-sick", "--surge", "2"));
    deploy.setDaemon(true);
    deploy.start();
    await().atMost(Duration.ofSeconds(60)).until(() -> serversOf(run).size() == 4);
    first.destroyForcibly();
    first.waitFor(30, TimeUnit.SECONDS);
    assertThat(serversOf(run)).as("servers outlive a killed up").hasSize(4);

    up();
    assertThat(livePids()).containsExactlyInAnyOrderElementsOf(live);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(serversOf(run)).as("the deploy's servers are stopped, none is left unknown")
            .containsExactlyInAnyOrderElementsOf(live));
    JsonNode status = json("status", "--json");
    assertThat(status.path("live").asText()).isEqualTo("1.0.1");
    HttpResponse<String> hello = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://" + status.path("listen").asText() + "/")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(hello.body()).contains("v1.0.1");
  }

  @Test
  void aHungServerDoesNotHoldBackTheHealthyOneAndIsReplaced() throws Exception {
    file = dir.resolve("nonstop.yml");
    Files.writeString(file, Fixture.yaml(2, "3s", "").replace("timeout: 10s", "timeout: 1s"));
    Process first = up("--version", "1.0.1");
    List<Long> pids = livePids();
    first.destroyForcibly();
    first.waitFor(30, TimeUnit.SECONDS);
    long hung = pids.get(0);
    new ProcessBuilder("kill", "-STOP", Long.toString(hung)).start().waitFor(); // answers nothing, yet runs

    up();

    String log = Files.readString(dir.resolve("up-1.err"));
    assertThat(log).contains("serving the servers that passed their check; the others are still being probed");
    assertThat(log).contains("(1.0.1, slot 1) was not healthy within 3s");
    assertThat(livePids()).hasSize(2).contains(pids.get(1)).doesNotContain(hung);
    await().atMost(Duration.ofSeconds(30)).until(() -> ProcessHandle.of(hung).isEmpty()
        || !ProcessHandle.of(hung).get().isAlive());
  }

  @Test
  void adminCallsWithoutTheTokenAreRefusedAndChangeNothing() throws Exception {
    file = dir.resolve("nonstop.yml");
    Files.writeString(file, Fixture.yaml(1, ""));
    up("--version", "1.0.1");
    String admin = dev.nonstop.config.ConfigLoader.load(file).admin().getPort() + "";
    HttpClient client = HttpClient.newHttpClient();
    URI deploy = URI.create("http://127.0.0.1:" + admin + "/api/deploy");
    String body = "{\"version\":\"1.0.2\"}";

    HttpResponse<String> none = client.send(HttpRequest.newBuilder(deploy)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> wrong = client.send(HttpRequest.newBuilder(deploy)
        .header("Authorization", "Bearer not-the-token")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(json("history", "--json")).isEmpty();
    assertThat(json("status", "--json").path("live").asText()).isEqualTo("1.0.1");
    assertThat(Files.getPosixFilePermissions(dir.resolve("state/admin.token")))
        .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
  }
}
