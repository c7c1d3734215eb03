package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.pool.AdminState;
import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Point 5: drain waits for the requests in flight, and cancels them at its deadline. */
class DrainTest {
  private final CountDownLatch arrived = new CountDownLatch(1);
  private final CountDownLatch answer = new CountDownLatch(1);
  private FakeBackend slow;
  private FakeBackend other;
  private Backend slowBackend;
  private Proxy proxy;

  @BeforeEach
  void start() throws Exception {
    slow = new FakeBackend("slow");
    slow.handler = ex -> {
      arrived.countDown();
      try {
        answer.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ex.sendResponseHeaders(200, 4);
      ex.getResponseBody().write("done".getBytes());
      ex.close();
    };
    other = new FakeBackend("other");
    slowBackend = slow.backend();
    proxy = Proxy.start(TestTransport.options(),
        Pool.of(Selector.roundRobin(), List.of(slowBackend)));
  }

  @AfterEach
  void stop() {
    answer.countDown();
    proxy.close();
    slow.close();
    other.close();
  }

  private CompletableFuture<RawClient.Response> slowRequest() throws Exception {
    RawClient c = new RawClient(proxy.address());
    CompletableFuture<RawClient.Response> response = CompletableFuture.supplyAsync(() -> {
      try (c) {
        return c.get("/slow");
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();
    return response;
  }

  @Test
  void drainWaitsForTheRequestInFlight() throws Exception {
    CompletableFuture<RawClient.Response> response = slowRequest();
    proxy.update(p -> p.with(other.backend()));
    CompletableFuture<Integer> drained = proxy.drain(slowBackend, Duration.ofSeconds(30));
    assertThat(slowBackend.adminState()).isEqualTo(AdminState.DRAINING);
    try (RawClient c = new RawClient(proxy.address())) {
      assertThat(c.get("/new").body()).startsWith("other"); // no new request goes to it
    }
    assertThat(drained).isNotDone();
    answer.countDown();
    RawClient.Response r = response.get(10, TimeUnit.SECONDS);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("done");
    assertThat(drained.get(10, TimeUnit.SECONDS)).isZero();
    assertThat(slowBackend.inFlight()).isZero();
  }

  @Test
  void drainCancelsRequestsAfterTimeout() throws Exception {
    CompletableFuture<RawClient.Response> response = slowRequest();
    CompletableFuture<Integer> drained = proxy.drain(slowBackend, Duration.ofMillis(200));
    assertThat(drained.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(response.get(10, TimeUnit.SECONDS).status()).isEqualTo(504);
    assertThat(slowBackend.inFlight()).isZero();
  }

  @Test
  void drainOfAnIdleBackendCompletesAtOnceAndClosesItsPooledConnections() throws Exception {
    answer.countDown();
    try (RawClient c = new RawClient(proxy.address())) {
      assertThat(c.get("/").status()).isEqualTo(200);
    }
    assertThat(proxy.idleConnections()).isEqualTo(1);
    assertThat(proxy.drain(slowBackend, Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS)).isZero();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
        .until(() -> proxy.idleConnections() == 0);
  }
}
