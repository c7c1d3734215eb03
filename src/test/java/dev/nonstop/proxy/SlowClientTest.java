package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Clients too slow to read their response or to send their body do not hold a backend. */
class SlowClientTest {
  private static final int BIG = 32 * 1024 * 1024;

  /** Answers every request with {@link #BIG} bytes, written as fast as the proxy takes them. */
  private static SocketBackend bigResponses() throws Exception {
    return new SocketBackend((socket, b) -> {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      while (b.readWhole(in) != null) {
        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + BIG + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
        byte[] chunk = new byte[64 * 1024];
        for (int sent = 0; sent < BIG; sent += chunk.length) {
          out.write(chunk); // blocks once the proxy stops reading: the test's own backpressure
        }
        out.flush();
      }
    });
  }

  @Test
  void closesAClientThatStopsReadingItsResponseAndReleasesTheBackend() throws Exception {
    try (SocketBackend backend = bigResponses();
        Proxy proxy = Proxy.start(TestTransport.options().withLimits(
                Limits.DEFAULT.withSendTimeout(Duration.ofMillis(500))),
            Pool.of(Selector.roundRobin(), List.of(backend.backend("a"))));
        RawClient c = new RawClient(proxy.address())) {
      c.socket.setReceiveBufferSize(4096);
      c.send("GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
      // The client reads nothing: the proxy gives up on it and closes the backend connection.
      await().atMost(Duration.ofSeconds(10)).until(() -> backend.closed.get() == 1);
      assertThat(proxy.pool().backends().get(0).inFlight()).isZero();
      long got = 0;
      try {
        got = c.socket.getInputStream().transferTo(OutputStream.nullOutputStream());
      } catch (SocketException e) {
        // reset: what the proxy had not sent is dropped
      }
      assertThat(got).as("bytes the client got before the reset").isLessThan(BIG);
    }
  }

  @Test
  void keepsAClientThatReadsSlowlyButSteadily() throws Exception {
    try (SocketBackend backend = bigResponses();
        Proxy proxy = Proxy.start(TestTransport.options().withLimits(
                Limits.DEFAULT.withSendTimeout(Duration.ofMillis(500))),
            Pool.of(Selector.roundRobin(), List.of(backend.backend("a"))));
        RawClient c = new RawClient(proxy.address())) {
      c.send("GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
      InputStream in = c.socket.getInputStream();
      byte[] buf = new byte[256 * 1024];
      long total = 0;
      int n;
      while (total < BIG && (n = in.read(buf)) > 0) {
        total += n;
      }
      assertThat(total).isGreaterThanOrEqualTo(BIG);
    }
  }

  @Test
  void answers408ToABodyThatTricklesBelowTheMinimumRate() throws Exception {
    FakeClock clock = new FakeClock();
    try (FakeBackend app = new FakeBackend("a");
        Proxy proxy = Proxy.start(TestTransport.options(),
            Pool.of(Selector.roundRobin(), List.of(app.backend())), clock);
        RawClient c = new RawClient(proxy.address())) {
      c.send("POST /slow HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n");
      await().atMost(Duration.ofSeconds(5)).until(() -> app.requests.get() == 1);
      // 100 bytes a 10 s window, where the default minimum is 1 KiB a second.
      for (int window = 0; window < 3 && c.socket.getInputStream().available() == 0; window++) {
        c.send("x".repeat(100));
        proxy.checkDeadlinesNow(); // a barrier: the loop has read what was sent
        clock.advance(Limits.DEFAULT.bodyRateWindow().plusMillis(1));
        proxy.checkDeadlinesNow();
      }
      RawClient.Response r = c.read();
      assertThat(r.status()).isEqualTo(408);
      await().atMost(Duration.ofSeconds(5))
          .until(() -> proxy.pool().backends().get(0).inFlight() == 0);
    }
  }

  @Test
  void passesABodySentInPausesAboveTheMinimumRate() throws Exception {
    FakeClock clock = new FakeClock();
    AtomicLong received = new AtomicLong();
    try (SocketBackend backend = new SocketBackend((socket, b) -> {
          InputStream in = socket.getInputStream();
          StringBuilder head = new StringBuilder(); // the head; then the body, counted
          while (head.indexOf("\r\n\r\n") < 0) {
            head.append((char) in.read());
          }
          byte[] buf = new byte[8192];
          int n;
          while (received.get() < 100_000 && (n = in.read(buf)) > 0) {
            received.addAndGet(n);
          }
          socket.getOutputStream().write(SocketBackend.ok("got " + received.get()));
        });
        Proxy proxy = Proxy.start(TestTransport.options(),
            Pool.of(Selector.roundRobin(), List.of(backend.backend("a"))), clock);
        RawClient c = new RawClient(proxy.address())) {
      c.send("POST /steady HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n");
      for (int window = 1; window <= 5; window++) {
        c.send("y".repeat(20_000)); // 2,000 bytes a second: twice the minimum
        long sent = window * 20_000L;
        await().atMost(Duration.ofSeconds(5)).until(() -> received.get() >= sent);
        clock.advance(Limits.DEFAULT.bodyRateWindow().plusMillis(1));
        proxy.checkDeadlinesNow();
      }
      RawClient.Response r = c.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("got 100000");
    }
  }
}
