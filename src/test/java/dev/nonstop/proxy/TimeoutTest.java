package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Idle client connections and idle pooled backend connections are closed. */
class TimeoutTest {
  @Test
  void closesAnIdleClientConnectionWhenItsTimeHasPassedOnTheClock() throws Exception {
    FakeClock clock = new FakeClock();
    try (FakeBackend app = new FakeBackend("a");
        Proxy proxy = Proxy.start(TestTransport.options(),
            Pool.of(Selector.roundRobin(), List.of(app.backend())), clock);
        RawClient c = new RawClient(proxy.address())) {
      assertThat(c.get("/").status()).isEqualTo(200);
      proxy.checkDeadlinesNow(); // also a barrier: the loop is done with the exchange
      clock.advance(Duration.ofSeconds(59));
      proxy.checkDeadlinesNow();
      assertThat(c.get("/still-open").status()).isEqualTo(200);
      proxy.checkDeadlinesNow();
      clock.advance(Duration.ofSeconds(61)); // the idle timeout is 60 s
      proxy.checkDeadlinesNow();
      assertThat(c.closedByPeer()).isTrue();
    }
  }

  @Test
  void answers408WhenARequestHeadTakesLongerThanItsTimeout() throws Exception {
    FakeClock clock = new FakeClock();
    try (FakeBackend app = new FakeBackend("a");
        Proxy proxy = Proxy.start(TestTransport.options(),
            Pool.of(Selector.roundRobin(), List.of(app.backend())), clock);
        RawClient c = new RawClient(proxy.address())) {
      c.send("GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ");
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
        clock.advance(Duration.ofSeconds(11)); // the header timeout is 10 s
        proxy.checkDeadlinesNow();
        assertThat(c.socket.getInputStream().available()).isPositive();
      });
      assertThat(c.read().status()).isEqualTo(408);
      assertThat(app.requests.get()).isZero();
    }
  }

  @Test
  void closesAnIdleClientConnection() throws Exception {
    try (FakeBackend app = new FakeBackend("a");
        Proxy proxy = Proxy.start(TestTransport.options()
                .withIdleTimeout(Duration.ofMillis(200)),
            Pool.of(Selector.roundRobin(), List.of(app.backend())));
        RawClient c = new RawClient(proxy.address())) {
      assertThat(c.get("/").status()).isEqualTo(200);
      assertThat(c.closedByPeer()).isTrue(); // blocks until the idle timeout closes it
    }
  }

  @Test
  void closesIdlePooledConnectionsBeforeTheBackendKeepAlive() throws Exception {
    try (FakeBackend app = new FakeBackend("a");
        Proxy proxy = Proxy.start(TestTransport.options()
                .withBackendKeepAlive(Duration.ofMillis(200)),
            Pool.of(Selector.roundRobin(), List.of(app.backend())));
        RawClient c = new RawClient(proxy.address())) {
      assertThat(c.get("/").status()).isEqualTo(200);
      assertThat(proxy.idleConnections()).isEqualTo(1);
      await().atMost(Duration.ofSeconds(5)).until(() -> proxy.idleConnections() == 0);
      assertThat(c.get("/").status()).isEqualTo(200);
    }
  }
}
