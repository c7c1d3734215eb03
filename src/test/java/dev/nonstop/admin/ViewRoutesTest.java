package dev.nonstop.admin;

import dev.nonstop.deploy.Progress;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.deploy.DeployRequest;
import dev.nonstop.deploy.Event;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dashboard's files, /metrics, /api/series and the /api/events stream. */
class ViewRoutesTest {
  private static final String TOKEN = "t0ken";
  private final Views control = new Views();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private AdminServer server;

  /** A Control with the read-only views; the rest is not needed here. */
  static final class Views implements Control {
    final List<Consumer<Object>> watchers = new CopyOnWriteArrayList<>();

    @Override
    public Object status(String app) {
      return Map.of("app", "hello", "live", "1.0.2");
    }

    @Override
    public Object history(String app) {
      return List.of();
    }

    @Override
    public Progress deploy(String app, DeployRequest request) {
      throw new ControlException(409, "not here");
    }

    @Override
    public Progress rollback(String app) {
      throw new ControlException(409, "not here");
    }

    @Override
    public Progress promote(String app) {
      throw new ControlException(409, "not here");
    }

    @Override
    public String abort(String app) {
      return "nothing";
    }

    @Override
    public void maintenance(String app, boolean on, String message) {}

    @Override
    public String metrics() {
      return "# TYPE nonstop_requests_total counter\nnonstop_requests_total 3.0\n";
    }

    @Override
    public Object series(String app) {
      return Map.of("intervalMs", 1000, "samples", List.of());
    }

    @Override
    public void watch(String app, Consumer<Object> watcher) {
      watcher.accept(Map.of("id", 1, "event", new Event(Instant.EPOCH, "step", 1, "replayed")));
      watchers.add(watcher);
    }

    @Override
    public void unwatch(Consumer<Object> watcher) {
      watchers.remove(watcher);
    }
  }

  @BeforeEach
  void start() throws IOException {
    server = AdminServer.start(new InetSocketAddress("127.0.0.1", 0), TOKEN, control);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpRequest.Builder get(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + path))
        .timeout(Duration.ofSeconds(10));
  }

  @Test
  void servesThePageWithoutTheTokenAndForbidsFraming() throws Exception {
    HttpResponse<String> page = http.send(get("/").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(page.headers().firstValue("Content-Security-Policy").orElse("")).contains("frame-ancestors 'none'");
    assertThat(page.body()).contains("<script src=\"/dashboard.js\"").doesNotContain(TOKEN);
    assertThat(http.send(get("/dashboard.js").build(), HttpResponse.BodyHandlers.ofString()).body()).contains("Bearer");
    assertThat(http.send(get("/dashboard.css").build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
  }

  @Test
  void metricsNeedNoTokenAndSpeakPrometheusText() throws Exception {
    HttpResponse<String> r = http.send(get("/metrics").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(r.body()).contains("nonstop_requests_total 3.0");
  }

  @Test
  void seriesAndEventsNeedTheToken() throws Exception {
    assertThat(http.send(get("/api/series").build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    assertThat(http.send(get("/api/events").build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    HttpResponse<String> r = http.send(get("/api/series").header("Authorization", "Bearer " + TOKEN).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"intervalMs\":1000");
  }

  @Test
  void eventsStreamStatusThenReplayedAndNewDeployEvents() throws Exception {
    HttpResponse<InputStream> r = http.send(get("/api/events").header("Authorization", "Bearer " + TOKEN).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
    try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      List<String> events = new ArrayList<>();
      while (events.size() < 4) {
        String line = in.readLine();
        if (line.startsWith("event: ")) {
          events.add(line.substring(7) + " " + in.readLine());
          if (events.size() == 2) {
            control.watchers.get(0).accept(Map.of("id", 1, "event", new Event(Instant.EPOCH, "done", 0, "live")));
          }
        }
      }
      assertThat(events.get(0)).startsWith("status data: {").contains("\"live\":\"1.0.2\"");
      assertThat(events.get(1)).startsWith("deploy data: {").contains("\"message\":\"replayed\"");
      assertThat(events.get(2)).startsWith("deploy data: {").contains("\"type\":\"done\"");
      assertThat(events.get(3)).startsWith("status data: {");
    }
  }
}
