package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Health;
import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** 502, 504, passive ejection. */
class BackendFailureTest {
  private static ProxyOptions options() {
    return TestTransport.options();
  }

  @Test
  void answers502WhenTheBackendAnswersGarbage() throws Exception {
    try (SocketBackend garbage = new SocketBackend((s, b) -> {
          b.readRequest(s.getInputStream());
          s.getOutputStream().write("this is not http\r\n\r\n".getBytes(StandardCharsets.UTF_8));
          s.getOutputStream().flush();
          s.getInputStream().read();
        });
        Proxy proxy = Proxy.start(options().withMaxTries(1),
            Pool.of(Selector.roundRobin(), List.of(garbage.backend("g"))));
        RawClient c = new RawClient(proxy.address())) {
      assertThat(c.get("/").status()).isEqualTo(502);
      assertThat(c.get("/").status()).isEqualTo(502);
    }
  }

  @Test
  void answers504WhenTheBackendNeverAnswers() throws Exception {
    try (SocketBackend silent = new SocketBackend((s, b) -> {
          InputStream in = s.getInputStream();
          while (in.read() != -1) {
            // swallow and never answer
          }
        });
        Proxy proxy = Proxy.start(options().withResponseTimeout(Duration.ofMillis(300)),
            Pool.of(Selector.roundRobin(), List.of(silent.backend("s"))));
        RawClient c = new RawClient(proxy.address())) {
      RawClient.Response r = c.get("/");
      assertThat(r.status()).isEqualTo(504);
      assertThat(silent.connections.get()).isEqualTo(1); // timeouts are not retried
    }
  }

  @Test
  void answers502AfterTriesRunOutOnRefusedConnections() throws Exception {
    SocketBackend gone = new SocketBackend((s, b) -> { });
    Backend dead = gone.backend("dead");
    gone.close();
    try (Proxy proxy = Proxy.start(options(), Pool.of(Selector.roundRobin(), List.of(dead)));
        RawClient c = new RawClient(proxy.address())) {
      assertThat(c.get("/").status()).isEqualTo(502);
      assertThat(dead.inFlight()).isZero();
    }
  }

  @Test
  void retriesARefusedConnectionOnAnotherBackend() throws Exception {
    SocketBackend gone = new SocketBackend((s, b) -> { });
    Backend dead = gone.backend("dead");
    gone.close();
    try (FakeBackend app = new FakeBackend("a");
        Proxy proxy = Proxy.start(options().withEjectAfter(0),
            Pool.of(Selector.roundRobin(), List.of(dead, app.backend())));
        RawClient c = new RawClient(proxy.address())) {
      for (int i = 0; i < 10; i++) {
        c.send("POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi");
        assertThat(c.read().body()).isEqualTo("a POST /p 2");
      }
    }
  }

  @Test
  void ejectsABackendAfterConsecutive5xx() throws Exception {
    try (FakeBackend failing = new FakeBackend("f")) {
      failing.handler = ex -> {
        ex.sendResponseHeaders(500, -1);
        ex.close();
      };
      Backend b = failing.backend();
      try (Proxy proxy = Proxy.start(options().withEjectAfter(3),
              Pool.of(Selector.roundRobin(), List.of(b)));
          RawClient c = new RawClient(proxy.address())) {
        for (int i = 0; i < 3; i++) {
          assertThat(c.get("/").status()).isEqualTo(500);
        }
        assertThat(b.health()).isEqualTo(Health.DOWN);
        assertThat(c.get("/").status()).isEqualTo(503);
        assertThat(failing.requests.get()).isEqualTo(3);
      }
    }
  }

  @Test
  void aGoodAnswerEndsTheFailureStreak() throws Exception {
    try (FakeBackend flaky = new FakeBackend("f")) {
      flaky.handler = ex -> {
        ex.sendResponseHeaders(ex.getRequestURI().getPath().equals("/ok") ? 200 : 503, -1);
        ex.close();
      };
      Backend b = flaky.backend();
      try (Proxy proxy = Proxy.start(options().withEjectAfter(2),
              Pool.of(Selector.roundRobin(), List.of(b)));
          RawClient c = new RawClient(proxy.address())) {
        c.get("/bad");
        c.get("/ok");
        c.get("/bad");
        assertThat(b.health()).isEqualTo(Health.UP);
        c.get("/bad");
        assertThat(b.health()).isEqualTo(Health.DOWN);
      }
    }
  }
}
