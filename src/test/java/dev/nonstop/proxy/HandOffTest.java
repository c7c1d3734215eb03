package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.pool.AdminState;
import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A proxy hands its listening socket off (another process accepts on it now): it stops accepting
 * and ends every client connection without failing a request.
 */
class HandOffTest {
  private final CountDownLatch arrived = new CountDownLatch(1);
  private final CountDownLatch answer = new CountDownLatch(1);
  private final FakeClock clock = new FakeClock();
  private FakeBackend app;
  private Backend backend;
  private Proxy proxy;

  @BeforeEach
  void start() throws Exception {
    app = new FakeBackend("app");
    app.handler = ex -> {
      if (ex.getRequestURI().getPath().equals("/slow")) {
        arrived.countDown();
        try {
          answer.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      byte[] body = ("done " + ex.getRequestURI().getPath()).getBytes();
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    };
    backend = app.backend();
    proxy = Proxy.start(TestTransport.options(), pool(), clock);
  }

  @AfterEach
  void stop() {
    answer.countDown();
    proxy.close();
    app.close();
  }

  private Pool pool() {
    return Pool.of(Selector.roundRobin(), List.of(backend));
  }

  @Test
  void aRequestInFlightFinishesWithConnectionCloseAndNoConnectionIsCut() throws Exception {
    try (RawClient c = new RawClient(proxy.address())) {
      c.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
      assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<Integer> handedOff = proxy.handOff(Duration.ofSeconds(30));
      proxy.awaitHandOffStarted();
      assertThat(handedOff).isNotDone();
      answer.countDown();
      RawClient.Response r = c.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("done /slow");
      assertThat(r.header("connection")).isEqualTo("close");
      assertThat(c.closedByPeer()).isTrue();
      assertThat(handedOff.get(10, TimeUnit.SECONDS)).isZero();
    }
  }

  @Test
  void aKeepAliveClientsNextRequestIsAnsweredWithConnectionClose() throws Exception {
    try (RawClient c = new RawClient(proxy.address())) {
      RawClient.Response first = c.get("/first");
      assertThat(first.header("connection")).isNull(); // kept alive
      CompletableFuture<Integer> handedOff = proxy.handOff(Duration.ofSeconds(30));
      proxy.awaitHandOffStarted();
      RawClient.Response next = c.get("/next");
      assertThat(next.status()).isEqualTo(200);
      assertThat(next.body()).isEqualTo("done /next");
      assertThat(next.header("connection")).isEqualTo("close");
      assertThat(c.closedByPeer()).isTrue();
      assertThat(handedOff.get(10, TimeUnit.SECONDS)).isZero();
    }
  }

  @Test
  void anIdleConnectionIsClosedAfterTheGraceAndNotBefore() throws Exception {
    try (RawClient c = new RawClient(proxy.address())) {
      assertThat(c.get("/").status()).isEqualTo(200);
      proxy.checkDeadlinesNow(); // a barrier: the loop is done with the exchange
      CompletableFuture<Integer> handedOff = proxy.handOff(Duration.ofSeconds(30));
      proxy.awaitHandOffStarted();
      clock.advance(HandOff.GRACE.minusMillis(100));
      proxy.checkDeadlinesNow();
      assertThat(proxy.clientConnections()).isEqualTo(1);
      assertThat(handedOff).isNotDone();
      clock.advance(Duration.ofMillis(200));
      proxy.checkDeadlinesNow();
      assertThat(c.closedByPeer()).isTrue();
      assertThat(handedOff.get(10, TimeUnit.SECONDS)).isZero();
    }
  }

  @Test
  void newConnectionsAreNoLongerAccepted() throws Exception {
    CompletableFuture<Integer> handedOff = proxy.handOff(Duration.ofSeconds(30));
    proxy.awaitHandOffStarted();
    assertThat(handedOff.get(10, TimeUnit.SECONDS)).isZero(); // nothing was open
    // This proxy bound the socket alone: closing its descriptor closes the socket. NIO closes it
    // at its selector's next turn, io_uring at its ring's: soon, not at once.
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThatThrownBy(() -> new Socket(proxy.address().getAddress(),
            proxy.address().getPort()).close())
            .isInstanceOf(ConnectException.class));
  }

  @Test
  void aResponseHangingPastTheTimeoutIsCutAndCounted() throws Exception {
    try (RawClient c = new RawClient(proxy.address())) {
      c.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
      assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<Integer> handedOff = proxy.handOff(Duration.ofSeconds(10));
      proxy.awaitHandOffStarted();
      clock.advance(Duration.ofSeconds(9));
      proxy.checkDeadlinesNow();
      assertThat(handedOff).isNotDone();
      clock.advance(Duration.ofSeconds(2));
      proxy.checkDeadlinesNow();
      assertThat(handedOff.get(10, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(c.closedByPeer()).isTrue();
      await().atMost(Duration.ofSeconds(5)).until(() -> backend.inFlight() == 0);
      // The backends are the daemon's business: a hand-off leaves them as they were.
      assertThat(backend.adminState()).isEqualTo(AdminState.READY);
    }
  }

  @Test
  void handingOffTwiceGivesTheSameFuture() {
    CompletableFuture<Integer> first = proxy.handOff(Duration.ofSeconds(30));
    assertThat(proxy.handOff(Duration.ofSeconds(1))).isSameAs(first);
    assertThatThrownBy(() -> proxy.handOff(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout: PT-1S (expected: >= 0)");
  }

  /**
   * The takeover in miniature: a second proxy accepts on the same socket through a descriptor
   * passed over a Unix socket, the first hands off while clients keep coming, and no request
   * fails: those on the first proxy's connections are answered (the last with Connection: close),
   * the others go to the second.
   */
  @Test
  void aSecondProxyOnTheSameSocketTakesOverWithoutAFailedRequest() throws Exception {
    assumeThat(TestTransport.KIND).isNotEqualTo(TransportKind.NIO);
    Proxy old = Proxy.start(TestTransport.options(), pool()); // on the real clock
    int passed = Descriptors.passed(old.listenerFd());
    AtomicInteger onOld = new AtomicInteger();
    AtomicInteger onNew = new AtomicInteger();
    old.listener((b, status, nanos, error) -> onOld.incrementAndGet());
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger answered = new AtomicInteger();
    ExecutorService clients = Executors.newFixedThreadPool(4);
    try (Proxy next = Proxy.start(TestTransport.options().withInheritedFd(passed), pool())) {
      next.listener((b, status, nanos, error) -> onNew.incrementAndGet());
      List<Future<?>> runs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        runs.add(clients.submit(() -> {
          RawClient c = null;
          while (!stop.get()) {
            if (c == null) {
              c = new RawClient(old.address());
            }
            RawClient.Response r = c.get("/");
            assertThat(r.status()).isEqualTo(200);
            answered.incrementAndGet();
            if ("close".equals(r.header("connection"))) {
              c.close();
              c = null;
            }
          }
          if (c != null) {
            c.close();
          }
          return null;
        }));
      }
      await().atMost(Duration.ofSeconds(20)).until(() -> onOld.get() >= 100);
      assertThat(old.handOff(Duration.ofSeconds(20)).get(20, TimeUnit.SECONDS)).isZero();
      int oldTotal = onOld.get();
      int before = answered.get();
      await().atMost(Duration.ofSeconds(20)).until(() -> answered.get() >= before + 100);
      stop.set(true);
      for (Future<?> run : runs) {
        run.get(20, TimeUnit.SECONDS); // rethrows a failed request
      }
      assertThat(onOld.get()).isEqualTo(oldTotal);
      assertThat(onNew.get()).isGreaterThanOrEqualTo(100);
    } finally {
      stop.set(true);
      clients.shutdownNow();
      old.close();
    }
  }
}
