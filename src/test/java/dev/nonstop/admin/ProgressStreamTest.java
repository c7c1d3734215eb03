package dev.nonstop.admin;

import static dev.nonstop.admin.FakeControl.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Clients that go away or fall behind, over raw sockets so the test decides when to read. */
class ProgressStreamTest {
  private static final String TOKEN = "t0ken";
  private final FakeControl control = new FakeControl();
  private AdminServer server;

  @BeforeEach
  void start() throws IOException {
    control.script = List.of(); // the test emits
    server = AdminServer.start(new InetSocketAddress("127.0.0.1", 0), TOKEN, control);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void unsubscribesWhenTheClientGoesAway() throws IOException {
    try (Socket socket = deploy()) {
      BufferedReader in = reader(socket);
      await().atMost(Duration.ofSeconds(5)).until(() -> control.last != null && !control.last.listeners.isEmpty());
      control.last.emit(event("step", 1, "start"));
      assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
    }
    // each write after the close is a chance for the server to notice
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      control.last.emit(event("info", 1, "still going"));
      return control.last.listeners.isEmpty();
    });
  }

  @Test
  void dropsAClientThatFallsBehindWithoutSlowingTheDeployment() throws IOException {
    try (Socket socket = deploy()) {
      await().atMost(Duration.ofSeconds(5)).until(() -> control.last != null && !control.last.listeners.isEmpty());
      String big = "x".repeat(1000);
      for (int i = 0; i < 30_000; i++) { // more than socket buffers and the queue hold; never blocks
        control.last.emit(event("info", 1, big));
      }
      control.last.emit(event("done", 0, "done"));

      List<String> lines = reader(socket).lines().toList();
      assertThat(lines).anyMatch(l -> l.contains("\"type\":\"warn\"") && l.contains("was dropped"));
      assertThat(lines).noneMatch(l -> l.contains("\"type\":\"done\""));
    }
    await().atMost(Duration.ofSeconds(5)).until(control.last.listeners::isEmpty);
  }

  private Socket deploy() throws IOException {
    Socket socket = new Socket("127.0.0.1", server.address().getPort());
    byte[] body = "{\"version\":\"1.0.3\"}".getBytes(StandardCharsets.UTF_8);
    OutputStream out = socket.getOutputStream();
    out.write(("POST /api/deploy HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
        + "\r\nConnection: close\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
    return socket;
  }

  private static BufferedReader reader(Socket socket) throws IOException {
    return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
  }
}
