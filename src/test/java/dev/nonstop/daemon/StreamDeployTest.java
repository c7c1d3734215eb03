package dev.nonstop.daemon;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.deploy.DeployRequest;
import dev.nonstop.deploy.Event;
import dev.nonstop.deploy.Report;
import dev.nonstop.demo.Load;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Long streams through deploys, with real server processes: an event stream neither holds a
 * drain nor is cut by the proxy; its server says goodbye on its stop signal, and the client comes
 * back to the new release.
 */
class StreamDeployTest {
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

  /** An event-stream client: everything the stream said, once it ended. */
  private static CompletableFuture<String> events(InetSocketAddress at, CompletableFuture<String> firstEvent) {
    return CompletableFuture.supplyAsync(() -> {
      StringBuilder all = new StringBuilder();
      try (Socket s = new Socket()) {
        s.connect(at, 5_000);
        s.setSoTimeout(120_000);
        s.getOutputStream().write("GET /events HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n".getBytes(UTF_8));
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          all.append(line).append('\n');
          if (line.startsWith("data: v")) {
            firstEvent.complete(line);
          }
        }
      } catch (IOException e) {
        all.append("failed: ").append(e);
      }
      firstEvent.complete("none");
      return all.toString();
    });
  }

  @Test
  void anEventStreamNeitherHoldsTheDrainNorIsCutAndItsClientComesBackToTheNewRelease() throws Exception {
    daemon = Daemon.start(Fixture.config(dir, 2, "batch: 1\ndrain: 20s\n"), "1.0.1", e -> { });
    load = Load.start(daemon.listenAddress(), "/", 4, 100);
    await().atMost(Duration.ofSeconds(20)).until(() -> load.snapshot().ok() > 20);
    CompletableFuture<String> first = new CompletableFuture<>();
    CompletableFuture<String> stream = events(daemon.listenAddress(), first);
    assertThat(first.get(20, SECONDS)).startsWith("data: v1.0.1");
    await().atMost(Duration.ofSeconds(10)).until(() -> daemon.fleet().live().stream()
        .mapToInt(s -> s.backend().streams()).sum() == 1);

    Event end = daemon.deploy(new DeployRequest("1.0.2", "in-place", null, null, false)).done().get(120, SECONDS);

    assertThat(end.type()).as(end.message()).isEqualTo("done");
    String said = stream.get(30, SECONDS);
    assertThat(said).as("the server closed its stream itself, on its stop signal").contains("event: bye");
    List<Report> reports = daemon.reports();
    Report r = reports.get(reports.size() - 1);
    assertThat(r.streams().closedByApp()).isEqualTo(1);
    assertThat(r.streams().closedByProxy()).isZero();
    assertThat(r.longestDrainMs()).as("no drain waited for the stream").isLessThan(20_000);
    assertThat(r.failed()).isZero();
    assertThat(load.snapshot().failed()).as("%s", load.snapshot().failures()).isZero();

    CompletableFuture<String> again = new CompletableFuture<>();
    events(daemon.listenAddress(), again);
    assertThat(again.get(20, SECONDS)).startsWith("data: v1.0.2");
  }
}
