package dev.nonstop.sample;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.instance.Ports;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleServerTest {
  @TempDir static Path dir;
  private static SampleProcess shared;
  private final List<SampleProcess> started = new ArrayList<>();

  @BeforeAll
  static void startShared() throws IOException {
    shared = SampleProcess.start(dir, Ports.free(), "--version", "1.0.2", "--instance", "3").awaitListening();
  }

  @AfterAll
  static void stopShared() {
    if (shared != null) {
      shared.close();
    }
  }

  @AfterEach
  void killStarted() {
    started.forEach(SampleProcess::close);
  }

  private SampleProcess start(String... args) throws IOException {
    SampleProcess process = SampleProcess.start(dir, Ports.free(), args);
    started.add(process);
    return process;
  }

  @Test
  void rootAnswersWithVersionAndInstance() throws Exception {
    HttpResponse<String> response = shared.get("/");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("hello v1.0.2 from instance 3\n");
    assertThat(response.headers().firstValue("X-Version")).hasValue("1.0.2");
  }

  @Test
  void healthIsOkOnceListening() throws Exception {
    HttpResponse<String> response = shared.get("/health");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).startsWith("ok");
  }

  @Test
  void slowAnswersAfterTheAskedTime() throws Exception {
    long start = System.nanoTime();
    HttpResponse<String> response = shared.get("/slow?ms=300");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("slow v1.0.2 300 ms\n");
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(300_000_000L);
  }

  @Test
  void slowWithoutMillisecondsIsABadRequest() throws Exception {
    assertThat(shared.get("/slow?ms=x").statusCode()).isEqualTo(400);
  }

  @Test
  void postAnswersWithTheBodyLength() throws Exception {
    HttpRequest request = shared.request("/").POST(HttpRequest.BodyPublishers.ofString("hello")).build();
    HttpResponse<String> response = SampleProcess.client().send(request, HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("received 5 bytes v1.0.2\n");
  }

  @Test
  void unknownPathIsNotFound() throws Exception {
    assertThat(shared.get("/nope").statusCode()).isEqualTo(404);
  }

  @Test
  void neverHealthyListensButHealthStaysUnavailable() throws Exception {
    SampleProcess sample = start("--version", "2.0.0", "--never-healthy").awaitListening();

    assertThat(sample.get("/health").statusCode()).isEqualTo(503);
    assertThat(sample.get("/").body()).contains("v2.0.0");
  }

  @Test
  void failStartExitsOneWithoutListening() throws Exception {
    SampleProcess sample = start("--version", "2.0.0", "--fail-start");

    assertThat(sample.process.onExit().get(30, SECONDS).exitValue()).isEqualTo(1);
    assertThat(sample.output()).contains("sample: failing at start as asked").doesNotContain("listening");
  }

  @Test
  void missingVersionIsAUsageError() throws Exception {
    SampleProcess sample = start();

    assertThat(sample.process.onExit().get(30, SECONDS).exitValue()).isEqualTo(2);
    assertThat(sample.output()).contains("--version: missing");
  }

  @Test
  void startupDelayKeepsThePortClosed() throws Exception {
    SampleProcess sample = start("--version", "2.0.0", "--startup-delay", "3s").awaitOutput("listening in 3000 ms");

    CompletableFuture<HttpResponse<String>> early =
        SampleProcess.client().sendAsync(sample.request("/health").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(early).failsWithin(10, SECONDS).withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(ConnectException.class);
    sample.awaitListening();
    assertThat(sample.get("/health").statusCode()).isEqualTo(200);
  }

  @Test
  void termLetsAnInFlightRequestFinishThenExitsZero() throws Exception {
    SampleProcess sample = start("--version", "2.0.0", "--log-requests").awaitListening();
    CompletableFuture<HttpResponse<String>> slow = SampleProcess.client()
        .sendAsync(sample.request("/slow?ms=1500").build(), HttpResponse.BodyHandlers.ofString());
    sample.awaitOutput("request GET /slow?ms=1500");

    sample.process.destroy(); // SIGTERM

    assertThat(slow.get(30, SECONDS).statusCode()).isEqualTo(200);
    assertThat(slow.get().body()).isEqualTo("slow v2.0.0 1500 ms\n");
    assertThat(sample.process.onExit().get(30, SECONDS).exitValue()).isZero();
    assertThat(sample.output()).contains("stopping: 1 requests in flight", "stopped");
  }

  @Test
  void termWhenIdleExitsZeroQuickly() throws Exception {
    SampleProcess sample = start("--version", "2.0.0").awaitListening();

    sample.process.destroy();

    assertThat(sample.process.onExit().get(5, SECONDS).exitValue()).isZero();
    assertThat(sample.output()).contains("stopping: 0 requests in flight");
  }
}
