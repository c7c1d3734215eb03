package dev.nonstop.proxy;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Upgrades at the byte level, whatever the protocol: a request with {@code Connection: Upgrade}
 * reaches the backend with both headers; a 101 makes the connection a two-way tunnel, counted as a
 * stream and not as a request in flight; another answer is an ordinary response. The WebSocket
 * tests (WebSocketTest) use real WebSocket servers and clients.
 */
class UpgradeTest {
  private static final String UPGRADE_REQUEST = "GET /chat HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\n"
      + "Upgrade: echo\r\n\r\n";

  /** A backend that answers an upgrade with 101 and then echoes every byte, upper-cased. */
  private static SocketBackend echoAfter101(AtomicReference<String> seenHead) throws IOException {
    return new SocketBackend((socket, b) -> {
      InputStream in = socket.getInputStream();
      seenHead.set(b.readRequest(in));
      OutputStream out = socket.getOutputStream();
      out.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n".getBytes(ISO_8859_1));
      out.flush();
      byte[] buf = new byte[8192];
      for (int n = in.read(buf); n > 0; n = in.read(buf)) {
        out.write(new String(buf, 0, n, ISO_8859_1).toUpperCase(java.util.Locale.ROOT).getBytes(ISO_8859_1));
        out.flush();
      }
    });
  }

  private static Proxy proxyTo(SocketBackend backend, Backend b) {
    return Proxy.start(TestTransport.options(), Pool.of(Selector.roundRobin(), List.of(b)));
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(ISO_8859_1).endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      head.write(c);
    }
    return head.toString(ISO_8859_1);
  }

  private static String readN(InputStream in, int n) throws IOException {
    return new String(in.readNBytes(n), ISO_8859_1);
  }

  @Test
  void aSwitchedConnectionCarriesBytesBothWaysAndCountsAsAStream() throws Exception {
    AtomicReference<String> seen = new AtomicReference<>();
    try (SocketBackend backend = echoAfter101(seen)) {
      Backend b = backend.backend("b");
      try (Proxy proxy = proxyTo(backend, b); Socket s = new Socket()) {
        s.connect(proxy.address());
        s.setSoTimeout(10_000);
        s.getOutputStream().write(UPGRADE_REQUEST.getBytes(ISO_8859_1));
        String head = readHead(s.getInputStream());

        assertThat(head).startsWith("HTTP/1.1 101").containsIgnoringCase("connection: upgrade")
            .containsIgnoringCase("upgrade: echo");
        assertThat(seen.get()).containsIgnoringCase("connection: upgrade").containsIgnoringCase("upgrade: echo");
        for (String word : List.of("hello", "GET / HTTP/1.1\r\n\r\n", "x".repeat(100_000))) {
          s.getOutputStream().write(word.getBytes(ISO_8859_1));
          assertThat(readN(s.getInputStream(), word.length())).isEqualTo(word.toUpperCase(java.util.Locale.ROOT));
        }
        assertThat(b.streams()).isEqualTo(1);
        assertThat(b.inFlight()).as("a stream is not a request in flight: a drain does not wait for it").isZero();
        assertThat(proxy.drain(b, Duration.ofSeconds(30)).get()).isZero();
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> b.streams() == 0);
    }
  }

  @Test
  void bytesSentRightAfterTheUpgradeRequestWaitUnparsedAndGoThroughTheTunnel() throws Exception {
    AtomicReference<String> seen = new AtomicReference<>();
    try (SocketBackend backend = echoAfter101(seen)) {
      Backend b = backend.backend("b");
      try (Proxy proxy = proxyTo(backend, b); Socket s = new Socket()) {
        s.connect(proxy.address());
        s.setSoTimeout(10_000);
        // the new protocol's first bytes in the same packet as the request: no HTTP request, never parsed as one
        String early = "GET /early HTTP/1.1\r\n\r\n";
        s.getOutputStream().write((UPGRADE_REQUEST + early).getBytes(ISO_8859_1));
        assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 101");
        assertThat(readN(s.getInputStream(), early.length())).isEqualTo(early.toUpperCase(java.util.Locale.ROOT));
        assertThat(backend.requests.get()).isEqualTo(1);
      }
    }
  }

  @Test
  void theBackendClosingItsSideClosesTheClientsAndCuttingStreamsClosesBoth() throws Exception {
    AtomicReference<String> seen = new AtomicReference<>();
    try (SocketBackend backend = echoAfter101(seen)) {
      Backend b = backend.backend("b");
      try (Proxy proxy = proxyTo(backend, b); Socket s = new Socket()) {
        s.connect(proxy.address());
        s.setSoTimeout(10_000);
        s.getOutputStream().write(UPGRADE_REQUEST.getBytes(ISO_8859_1));
        readHead(s.getInputStream());
        await().atMost(Duration.ofSeconds(10)).until(() -> b.streams() == 1);

        assertThat(proxy.cutStreams(b).get()).isEqualTo(1);

        assertThat(s.getInputStream().read()).as("the client's side is closed").isEqualTo(-1);
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.closed.get() == 1);
        assertThat(b.streams()).isZero();
      }
    }
  }

  @Test
  void anUpgradeAnsweredWithoutA101IsAnOrdinaryResponseAndTheConnectionCloses() throws Exception {
    try (SocketBackend backend = new SocketBackend((socket, b) -> {
          b.readRequest(socket.getInputStream());
          socket.getOutputStream().write(SocketBackend.ok("no upgrade here"));
          socket.getOutputStream().flush();
          socket.getInputStream().read();
        })) {
      Backend b = backend.backend("b");
      try (Proxy proxy = proxyTo(backend, b); RawClient c = new RawClient(proxy.address())) {
        c.send(UPGRADE_REQUEST + "these bytes are no request");
        RawClient.Response r = c.read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("no upgrade here");
        assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
        assertThat(c.closedByPeer()).isTrue();
        assertThat(b.streams()).isZero();
      }
    }
  }

  @Test
  void a101ToARequestThatAskedForNoUpgradeIs502() throws Exception {
    try (SocketBackend backend = new SocketBackend((socket, b) -> {
          b.readRequest(socket.getInputStream());
          socket.getOutputStream().write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: evil\r\n\r\nevil bytes".getBytes(ISO_8859_1));
          socket.getOutputStream().flush();
          socket.getInputStream().read();
        })) {
      Backend b = backend.backend("b");
      try (Proxy proxy = Proxy.start(TestTransport.options().withMaxTries(1), Pool.of(Selector.roundRobin(), List.of(b)));
          RawClient c = new RawClient(proxy.address())) {
        RawClient.Response r = c.get("/");
        assertThat(r.status()).isEqualTo(502);
      }
    }
  }

  @Test
  void h2cIsNeverTunnelledToABackend() throws Exception {
    AtomicReference<String> seen = new AtomicReference<>();
    try (SocketBackend backend = new SocketBackend((socket, b) -> {
          seen.set(b.readRequest(socket.getInputStream()));
          socket.getOutputStream().write(SocketBackend.ok("plain"));
          socket.getOutputStream().flush();
          socket.getInputStream().read();
        })) {
      try (Proxy proxy = proxyTo(backend, backend.backend("b")); RawClient c = new RawClient(proxy.address())) {
        c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
            + "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");
        assertThat(c.read().status()).isEqualTo(200);
        assertThat(seen.get()).doesNotContainIgnoringCase("upgrade").doesNotContainIgnoringCase("http2-settings");
      }
    }
  }

  @Test
  void aQuietTunnelEndsAfterItsIdleTimeoutAndNotBefore() throws Exception {
    AtomicReference<String> seen = new AtomicReference<>();
    FakeClock clock = new FakeClock();
    try (SocketBackend backend = echoAfter101(seen)) {
      Backend b = backend.backend("b");
      try (Proxy proxy = Proxy.start(TestTransport.options().withTunnelIdleTimeout(Duration.ofMinutes(5)),
              Pool.of(Selector.roundRobin(), List.of(b)), clock);
          Socket s = new Socket()) {
        s.connect(proxy.address());
        s.setSoTimeout(10_000);
        s.getOutputStream().write(UPGRADE_REQUEST.getBytes(ISO_8859_1));
        readHead(s.getInputStream());
        await().atMost(Duration.ofSeconds(10)).until(() -> b.streams() == 1);

        clock.advance(Duration.ofMinutes(4));
        s.getOutputStream().write("ping".getBytes(ISO_8859_1));
        assertThat(readN(s.getInputStream(), 4)).isEqualTo("PING");
        clock.advance(Duration.ofMinutes(4)); // 8 min since the start, 4 since the last byte
        proxy.checkDeadlinesNow();
        assertThat(b.streams()).isEqualTo(1);

        clock.advance(Duration.ofMinutes(2));
        proxy.checkDeadlinesNow();
        assertThat(s.getInputStream().read()).isEqualTo(-1);
        await().atMost(Duration.ofSeconds(10)).until(() -> b.streams() == 0);
      }
    }
  }

  @Test
  void anEventStreamIsReportedAsAStreamHoweverItEndsAndNeverAsARequest() throws Exception {
    try (SocketBackend backend = new SocketBackend((socket, b) -> {
          b.readRequest(socket.getInputStream());
          OutputStream out = socket.getOutputStream();
          out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
              + "9\r\ndata: 1\n\n\r\n").getBytes(ISO_8859_1));
          out.flush();
          socket.getInputStream().read(); // until the test lets the server die, mid-stream
        })) {
      Backend b = backend.backend("b");
      List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
      try (Proxy proxy = proxyTo(backend, b); Socket s = new Socket()) {
        proxy.listener(new RequestListener() {
          @Override
          public void completed(Backend x, int status, long latencyNanos, boolean proxyError) {
            heard.add("request " + status);
          }

          @Override
          public void streamEnded(Backend x, long lifeNanos, StreamEnd how) {
            heard.add("stream " + how);
          }
        });
        s.connect(proxy.address());
        s.setSoTimeout(10_000);
        s.getOutputStream().write("GET /events HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(ISO_8859_1));
        assertThat(readHead(s.getInputStream())).contains("text/event-stream");
        await().atMost(Duration.ofSeconds(10)).until(() -> b.streams() == 1);
        assertThat(b.inFlight()).isZero();

        backend.kill(); // the server dies without ending its stream

        await().atMost(Duration.ofSeconds(10)).until(() -> b.streams() == 0 && !heard.isEmpty());
        assertThat(heard).containsExactly("stream BACKEND");
      }
    }
  }
}
