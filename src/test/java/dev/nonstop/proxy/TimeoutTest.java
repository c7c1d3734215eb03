package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Point 9 and 6: idle client connections and idle pooled backend connections are closed. */
class TimeoutTest {
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
