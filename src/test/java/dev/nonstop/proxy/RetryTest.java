package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Point 6: a backend connection or a backend that goes away never shows as an error. */
class RetryTest {
  private static ProxyOptions options() {
    return TestTransport.options();
  }

  /**
   * Each backend connection answers one request, then, on the next one, reads it and closes
   * without a word, or closes right after its answer: every reuse of a pooled connection races.
   */
  private static SocketBackend racingBackend() throws IOException {
    AtomicInteger n = new AtomicInteger();
    return new SocketBackend((s, b) -> {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      if (b.readRequest(in) == null) {
        return;
      }
      out.write(SocketBackend.ok("ok"));
      out.flush();
      if (n.incrementAndGet() % 2 == 0) {
        b.readRequest(in); // the next request arrives on a connection about to close
      }
    });
  }

  @Test
  void keepAliveRaceIsInvisibleToGets() throws Exception {
    try (SocketBackend app = racingBackend();
        Proxy proxy = Proxy.start(options(),
            Pool.of(Selector.roundRobin(), List.of(app.backend("a"))));
        RawClient c = new RawClient(proxy.address())) {
      AtomicInteger stale = new AtomicInteger();
      proxy.listener(new RequestListener() {
        @Override
        public void completed(Backend b, int status, long nanos, boolean proxyError) {}

        @Override
        public void retried(Backend b, boolean staleConnection) {
          if (staleConnection) {
            stale.incrementAndGet();
          }
        }
      });
      for (int i = 0; i < 200; i++) {
        RawClient.Response r = c.get("/" + i);
        assertThat(r.status()).as("request %d", i).isEqualTo(200);
      }
      assertThat(app.connections.get()).isGreaterThan(50); // the race really happened
      // Lost races were retried on new connections, and counted; no retry without a new connection.
      assertThat(stale.get()).isPositive().isLessThan(app.connections.get());
    }
  }

  @Test
  void keepAliveRaceIsInvisibleToPostsWithAnIdempotencyKey() throws Exception {
    try (SocketBackend app = racingBackend();
        Proxy proxy = Proxy.start(options(),
            Pool.of(Selector.roundRobin(), List.of(app.backend("a"))));
        RawClient c = new RawClient(proxy.address())) {
      for (int i = 0; i < 200; i++) {
        c.send("POST /p HTTP/1.1\r\nHost: t\r\nIdempotency-Key: k" + i + "\r\nContent-Length: 0\r\n\r\n");
        assertThat(c.read().status()).as("request %d", i).isEqualTo(200);
      }
    }
  }

  @Test
  void pooledConnectionClosedByTheBackendIsDroppedBeforeAPostUsesIt() throws Exception {
    // The backend closes a connection idle for 50 ms; the proxy's keep-alive (4 s) is longer, so
    // only watching for the FIN keeps an unsent POST away from a dead connection.
    try (SocketBackend app = new SocketBackend((s, b) -> {
          s.setSoTimeout(50);
          try {
            while (b.readRequest(s.getInputStream()) != null) {
              s.getOutputStream().write(SocketBackend.ok("ok"));
              s.getOutputStream().flush();
            }
          } catch (SocketTimeoutException e) {
            // idle too long: close
          }
        });
        Proxy proxy = Proxy.start(options().withMaxTries(1),
            Pool.of(Selector.roundRobin(), List.of(app.backend("a"))));
        RawClient c = new RawClient(proxy.address())) {
      for (int i = 0; i < 5; i++) {
        c.send("POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi");
        assertThat(c.read().status()).isEqualTo(200);
        await().pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(5))
            .until(() -> proxy.idleConnections() == 0);
      }
      assertThat(app.connections.get()).isEqualTo(5);
    }
  }

  @Test
  void connectionClosedByTheBackendJustBeforeReuseIsAvoidedByPosts() throws Exception {
    // Each connection answers once, then closes when told. The test holds the proxy's event
    // loops still, sends the next POST, lets the backend close (its FIN is then in the proxy's
    // socket, behind the POST), then lets the loops go: they read the POST before the FIN, and
    // the proxy must still not write a POST it could not retry onto the dead connection.
    assumeTrue(TestTransport.KIND != TransportKind.NIO,
        "NIO cannot ask an idle socket whether a FIN is waiting in it (see Worker.stillOpen)");
    AtomicReference<CountDownLatch> closeNow = new AtomicReference<>(new CountDownLatch(1));
    try (SocketBackend app = new SocketBackend((s, b) -> {
          CountDownLatch mine = closeNow.get();
          if (b.readRequest(s.getInputStream()) != null) {
            s.getOutputStream().write(SocketBackend.ok("ok"));
            s.getOutputStream().flush();
            awaitQuietly(mine);
          }
        });
        Proxy proxy = Proxy.start(options().withMaxTries(1),
            Pool.of(Selector.roundRobin(), List.of(app.backend("a"))));
        RawClient c = new RawClient(proxy.address())) {
      c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(200);
      for (int i = 0; i < 20; i++) {
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch held = new CountDownLatch(proxy.eventLoops().size());
        for (EventLoop loop : proxy.eventLoops()) {
          loop.execute(() -> {
            held.countDown();
            awaitQuietly(go);
          });
        }
        assertThat(held.await(5, TimeUnit.SECONDS)).isTrue();
        c.send(i % 2 == 0
            ? "POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"
            : "POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi");
        int closedBefore = app.closed.get();
        closeNow.getAndSet(new CountDownLatch(1)).countDown();
        await().pollInterval(Duration.ofMillis(2)).atMost(Duration.ofSeconds(5))
            .until(() -> app.closed.get() > closedBefore);
        go.countDown();
        assertThat(c.read().status()).as("request %d", i).isEqualTo(200);
      }
    }
  }

  /**
   * A proxy in front of two backends sharing one script: the very first request reaches a backend
   * that reads all of it, body included, and closes without a word; every later one is answered
   * with what it carried. {@link #seen} gets each request that reached a backend whole.
   */
  private static final class FirstRequestLost implements AutoCloseable {
    final List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final SocketBackend a = backend();
    private final SocketBackend b = backend();
    final Proxy proxy = Proxy.start(options(),
        Pool.of(Selector.roundRobin(), List.of(a.backend("a"), b.backend("b"))));

    FirstRequestLost() throws IOException {}

    private SocketBackend backend() throws IOException {
      return new SocketBackend((s, backend) -> {
        InputStream in = s.getInputStream();
        String whole;
        while ((whole = backend.readWhole(in)) != null) {
          String body = whole.substring(whole.indexOf("\r\n\r\n") + 4);
          seen.add(whole.substring(0, whole.indexOf(' ')) + " " + body);
          if (requests.getAndIncrement() == 0) {
            return; // the backend went away with the request
          }
          String answer = "got " + body;
          s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: " + answer.length()
              + "\r\n\r\n" + answer).getBytes(StandardCharsets.ISO_8859_1));
          s.getOutputStream().flush();
        }
      });
    }

    @Override
    public void close() {
      proxy.close();
      a.close();
      b.close();
    }
  }

  @Test
  void aSentPutIsSentAgainWithItsBodyWhenItsBackendDiesBeforeAnswering() throws Exception {
    try (FirstRequestLost f = new FirstRequestLost();
        RawClient c = new RawClient(f.proxy.address())) {
      c.send("PUT /doc HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\npayload-123");
      RawClient.Response r = c.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("got payload-123");
      assertThat(f.seen).containsExactly("PUT payload-123", "PUT payload-123");
      c.send("POST /new HTTP/1.1\r\nHost: t\r\nIdempotency-Key: k1\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n");
      assertThat(c.read().body()).isEqualTo("got abcd");
    }
  }

  @Test
  void aSentPostWithoutIdempotencyKeyIsNotSentAgain() throws Exception {
    try (FirstRequestLost f = new FirstRequestLost();
        RawClient c = new RawClient(f.proxy.address())) {
      c.send("POST /order HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\norder");
      assertThat(c.read().status()).isEqualTo(502);
      assertThat(f.seen).containsExactly("POST order");
    }
  }

  @Test
  void aPutLargerThanTheReplayLimitIsNotSentAgain() throws Exception {
    String big = "x".repeat(ReplayBuffer.MAX + 1);
    try (FirstRequestLost f = new FirstRequestLost();
        RawClient c = new RawClient(f.proxy.address())) {
      c.send("PUT /big HTTP/1.1\r\nHost: t\r\nContent-Length: " + big.length() + "\r\n\r\n" + big);
      assertThat(c.read().status()).isEqualTo(502);
      assertThat(f.seen).hasSize(1);
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void killedBackendMidLoadShowsNoErrorToGets() throws Exception {
    SocketBackend.Script serve = (s, b) -> {
      while (b.readRequest(s.getInputStream()) != null) {
        s.getOutputStream().write(SocketBackend.ok("ok"));
        s.getOutputStream().flush();
      }
    };
    try (SocketBackend one = new SocketBackend(serve);
        SocketBackend two = new SocketBackend(serve);
        Proxy proxy = Proxy.start(options(), Pool.of(Selector.roundRobin(),
            List.of(one.backend("one"), two.backend("two"))))) {
      Load load = new Load(proxy.address(), 4);
      load.awaitRequests(400);
      one.kill();
      int before = two.requests.get();
      await().atMost(Duration.ofSeconds(10)).until(() -> two.requests.get() > before + 400);
      load.stop();
      assertThat(load.errors).isEmpty();
      assertThat(load.ok.get()).isGreaterThan(800);
    }
  }

  /** Clients in a loop of keep-alive GETs; any non-200 or I/O error is recorded. */
  static final class Load {
    final AtomicInteger ok = new AtomicInteger();
    final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final ExecutorService threads;
    private final List<Future<?>> running = new ArrayList<>();

    Load(InetSocketAddress proxy, int clients) {
      threads = Executors.newFixedThreadPool(clients);
      CountDownLatch started = new CountDownLatch(clients);
      for (int i = 0; i < clients; i++) {
        running.add(threads.submit(() -> {
          started.countDown();
          RawClient c = null;
          while (!stop.get()) {
            try {
              if (c == null) {
                c = new RawClient(proxy);
              }
              RawClient.Response r = c.get("/");
              if (r.status() == 200) {
                ok.incrementAndGet();
              } else {
                errors.add(r.status() + " " + r.body());
              }
            } catch (IOException e) {
              errors.add(e.toString());
              c = null;
            }
          }
          if (c != null) {
            c.close();
          }
          return null;
        }));
      }
    }

    void awaitRequests(int n) {
      int target = ok.get() + n;
      await().atMost(Duration.ofSeconds(10)).until(() -> ok.get() >= target || !errors.isEmpty());
    }

    void stop() throws Exception {
      stop.set(true);
      for (Future<?> f : running) {
        f.get(10, TimeUnit.SECONDS); // rethrows a client thread's failure here
      }
      threads.shutdownNow();
    }
  }
}
