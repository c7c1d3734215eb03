package dev.nonstop.admin;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Clients that send their request a byte at a time must not keep the admin API from others. */
class SlowClientsTest {
  private static final String TOKEN = "s3cret-token";
  private final FakeControl control = new FakeControl();
  private final List<Socket> slow = new ArrayList<>();
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
  private AdminServer server;

  @BeforeEach
  void start() throws IOException {
    server = AdminServer.start(new InetSocketAddress("127.0.0.1", 0), TOKEN, control);
  }

  @AfterEach
  void stop() throws IOException {
    ticker.shutdownNow();
    for (Socket s : slow) {
      s.close();
    }
    server.close();
  }

  @Test
  void twentySlowlorisConnectionsLeaveRoomForAnAuthenticatedCall() throws Exception {
    AtomicInteger ticks = new AtomicInteger();
    for (int i = 0; i < 20; i++) {
      Socket s = new Socket("127.0.0.1", server.address().getPort());
      s.getOutputStream().write("GET /api/status HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(US_ASCII));
      slow.add(s);
    }
    ticker.scheduleAtFixedRate(() -> {
      for (Socket s : slow) {
        try {
          OutputStream out = s.getOutputStream();
          out.write('a'); // one header byte a second, never the end of the headers
          out.flush();
        } catch (IOException e) {
          // cut off by the server: what it may do
        }
      }
      ticks.incrementAndGet();
    }, 0, 1, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).until(() -> ticks.get() >= 2);

    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpResponse<String> status = client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + "/api/status"))
            .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(3)).build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(status.statusCode()).isEqualTo(200);
  }
}
