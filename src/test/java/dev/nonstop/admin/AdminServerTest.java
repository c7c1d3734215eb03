package dev.nonstop.admin;

import static dev.nonstop.admin.FakeControl.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nonstop.deploy.Event;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdminServerTest {
  private static final String TOKEN = "s3cret-token";
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final FakeControl control = new FakeControl();
  private AdminServer server;

  @BeforeEach
  void start() throws IOException {
    server = AdminServer.start(new InetSocketAddress("127.0.0.1", 0), TOKEN, control);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void refusesCallsWithoutTheToken() throws Exception {
    HttpResponse<String> r = send(request("/api/deploy").POST(body("{\"version\":\"1.0.3\"}")).build());

    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(json(r).path("error").asText()).contains("admin token");
    assertThat(control.calls).isEmpty();
  }

  @Test
  void refusesCallsWithAWrongToken() throws Exception {
    for (String header : List.of("Bearer s3cret-tokem", "Bearer ", "Basic " + TOKEN, "Bearer s3cret-token-and-more")) {
      HttpResponse<String> r = send(request("/api/abort").header("Authorization", header).POST(body("")).build());
      assertThat(r.statusCode()).as(header).isEqualTo(401);
    }
    assertThat(control.calls).isEmpty();
  }

  @Test
  void servesStatusAsJson() throws Exception {
    HttpResponse<String> r = send(authorized("/api/status").GET().build());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
    assertThat(json(r).path("live").asText()).isEqualTo("1.0.2");
  }

  @Test
  void answersBadJsonWithWhatWasExpected() throws Exception {
    HttpResponse<String> r = send(authorized("/api/deploy").POST(body("{\"version\": ")).build());

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).path("error").asText()).startsWith("body: not JSON").contains("expected");
    assertThat(control.calls).isEmpty();
  }

  @Test
  void answersMissingAndWrongFieldsWith400() throws Exception {
    Map<String, String> cases = Map.of(
        "{}", "version: missing",
        "{\"version\":\"1\",\"strategy\":\"rolling\"}", "expected: in-place, blue-green or canary",
        "{\"version\":\"1\",\"batch\":\"0%\"}", "batch",
        "{\"version\":\"1\",\"surge\":-1}", "surge",
        "{\"version\":\"1\",\"verison\":\"2\"}", "verison: unknown field",
        "[1]", "body: array");
    for (var c : cases.entrySet()) {
      HttpResponse<String> r = send(authorized("/api/deploy").POST(body(c.getKey())).build());
      assertThat(r.statusCode()).as(c.getKey()).isEqualTo(400);
      assertThat(json(r).path("error").asText()).as(c.getKey()).contains(c.getValue());
    }
    assertThat(control.calls).isEmpty();
  }

  @Test
  void deployStreamsEveryEventInOrderAndEndsWithTheFinalOne() throws Exception {
    List<Event> script = new ArrayList<>();
    IntStream.rangeClosed(1, 50).forEach(i -> script.add(event(i % 5 == 0 ? "step" : "info", i / 5, "line " + i)));
    script.add(event("done", 0, "1.0.3 is live"));
    control.script = script;

    HttpResponse<java.util.stream.Stream<String>> r = http.send(
        authorized("/api/deploy").POST(body("{\"version\":\"1.0.3\",\"strategy\":\"in-place\",\"batch\":2,\"surge\":1}")).build(),
        HttpResponse.BodyHandlers.ofLines());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
    assertThat(r.headers().firstValue("Nonstop-Steps")).hasValue("10");
    List<Event> got = r.body().map(line -> read(line, Event.class)).collect(Collectors.toList());
    assertThat(got).containsExactlyElementsOf(script);
    assertThat(control.calls).containsExactly("deploy DeployRequest[version=1.0.3, strategy=in-place, batch=2, surge=1, preview=false, bake=null]");
    // the stream ends before the server thread's finally block unsubscribes
    await().atMost(Duration.ofSeconds(5)).until(control.last.listeners::isEmpty);
  }

  @Test
  void eventLinesCarryTheirFourFields() throws Exception {
    control.script = List.of(event("failed", 2, "health check failed\nlast lines:\n  boom"));
    HttpResponse<String> r = send(authorized("/api/rollback").POST(body("")).build());

    assertThat(r.body()).isEqualTo(
        "{\"time\":\"2026-01-01T12:01:02.345Z\",\"type\":\"failed\",\"step\":2,\"message\":\"health check failed\\nlast lines:\\n  boom\"}\n");
  }

  @Test
  void passesControlRefusalsOnWithTheirStatus() throws Exception {
    control.refusal = new ControlException(409, "a deployment is under way (3 → 1.0.3)");
    HttpResponse<String> r = send(authorized("/api/promote").POST(body("")).build());

    assertThat(r.statusCode()).isEqualTo(409);
    assertThat(json(r).path("error").asText()).isEqualTo("a deployment is under way (3 → 1.0.3)");
  }

  @Test
  void abortAnswersWithTheMessage() throws Exception {
    HttpResponse<String> r = send(authorized("/api/abort").POST(body("")).build());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).path("message").asText()).isEqualTo("aborted deployment 3; 1.0.2 stays live");
  }

  @Test
  void maintenanceTakesOnAndMessage() throws Exception {
    HttpResponse<String> on = send(authorized("/api/maintenance").POST(body("{\"on\":true,\"message\":\"Back at 5\"}")).build());
    HttpResponse<String> off = send(authorized("/api/maintenance").POST(body("{\"on\":false}")).build());
    HttpResponse<String> bad = send(authorized("/api/maintenance").POST(body("{\"on\":\"yes\"}")).build());

    assertThat(List.of(on.statusCode(), off.statusCode(), bad.statusCode())).containsExactly(204, 204, 400);
    assertThat(control.calls).containsExactly("maintenance true Back at 5", "maintenance false null");
  }

  @Test
  void answersUnknownPathsWith404AndWrongMethodsWith405() throws Exception {
    HttpResponse<String> unknown = send(authorized("/api/nope").GET().build());
    HttpResponse<String> wrong = send(authorized("/api/deploy").GET().build());

    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(wrong.statusCode()).isEqualTo(405);
    assertThat(wrong.headers().firstValue("Allow")).hasValue("POST");
    assertThat(control.calls).isEmpty();
  }

  private HttpRequest.Builder request(String path) {
    InetSocketAddress a = server.address();
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + path));
  }

  private HttpRequest.Builder authorized(String path) {
    return request(path).header("Authorization", "Bearer " + TOKEN);
  }

  private static HttpRequest.BodyPublisher body(String text) {
    return HttpRequest.BodyPublishers.ofString(text);
  }

  private HttpResponse<String> send(HttpRequest request) throws Exception {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) {
    return read(r.body(), JsonNode.class);
  }

  private static <T> T read(String text, Class<T> type) {
    try {
      return Json.mapper().readValue(text, type);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + text, e);
    }
  }
}
