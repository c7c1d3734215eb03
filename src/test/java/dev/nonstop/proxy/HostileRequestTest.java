package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests a hostile client crafts to make the proxy write something else to a backend than the
 * request it framed: each is answered or forwarded safely, and the backend, which records every
 * byte it receives, never sees the attacker's second request.
 */
class HostileRequestTest {
  /** Every request the backend read whole (head and body), in order. */
  private final Queue<String> requests = new ConcurrentLinkedQueue<>();
  /** Every byte the backend received, on any connection. */
  private final ByteArrayOutputStream received = new ByteArrayOutputStream();
  private SocketBackend backend;
  private Proxy proxy;

  @BeforeEach
  void start() throws Exception {
    backend = new SocketBackend((socket, b) -> {
      InputStream in = new RecordingStream(socket.getInputStream(), received);
      OutputStream out = socket.getOutputStream();
      String whole;
      while ((whole = b.readWhole(in)) != null) {
        requests.add(whole);
        String target = whole.substring(whole.indexOf(' ') + 1, whole.indexOf(" HTTP/"));
        out.write(SocketBackend.ok("target=" + target));
        out.flush();
      }
    });
    proxy = Proxy.start(TestTransport.options().withLimits(Limits.DEFAULT.withMaxBody(1000)),
        Pool.of(Selector.roundRobin(), List.of(backend.backend("a"))));
  }

  @AfterEach
  void stop() {
    proxy.close();
    backend.close();
  }

  private String receivedText() {
    synchronized (received) {
      return received.toString(StandardCharsets.ISO_8859_1);
    }
  }

  /** The attacker's request, then another client's on what may be the same pooled connection. */
  private void expectNoSmuggling(String attack) throws Exception {
    try (RawClient c = new RawClient(proxy.address())) {
      c.send(attack);
      c.read();
    }
    try (RawClient victim = new RawClient(proxy.address())) {
      assertThat(victim.get("/victim").body()).isEqualTo("target=/victim");
    }
    assertThat(requests).noneMatch(r -> r.startsWith("GET /smuggled"));
    assertThat(requests).anyMatch(r -> r.startsWith("GET /victim"));
  }

  private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n";

  @Test
  void keepsContentLengthThatConnectionNames() throws Exception {
    expectNoSmuggling("POST /a HTTP/1.1\r\nHost: t\r\nConnection: Content-Length\r\n"
        + "Content-Length: " + SMUGGLED.length() + "\r\n\r\n" + SMUGGLED);
    assertThat(requests.peek()).startsWith("POST /a").endsWith(SMUGGLED);
  }

  @Test
  void keepsTransferEncodingThatConnectionNames() throws Exception {
    String chunk = Integer.toHexString(SMUGGLED.length()) + "\r\n" + SMUGGLED + "\r\n0\r\n\r\n";
    expectNoSmuggling("POST /a HTTP/1.1\r\nHost: t\r\nConnection: close, Transfer-Encoding\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n" + chunk);
  }

  @Test
  void keepsHostThatConnectionNames() throws Exception {
    try (RawClient c = new RawClient(proxy.address())) {
      c.send("GET /h HTTP/1.1\r\nHost: example.org\r\nConnection: host\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(200);
    }
    assertThat(requests.peek()).containsIgnoringCase("\r\nhost: example.org\r\n");
  }

  @Test
  void dropsFramingAndRoutingHeadersFromRequestTrailers() throws Exception {
    try (RawClient c = new RawClient(proxy.address())) {
      c.send("POST /t HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "5\r\nhello\r\n0\r\nContent-Length: 99\r\nHost: evil\r\nX-Sum: 1\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(200);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> receivedText().contains("X-Sum: 1"));
    String trailers = receivedText().substring(receivedText().indexOf("\r\n0\r\n"));
    assertThat(trailers).doesNotContainIgnoringCase("content-length").doesNotContain("evil");
  }

  @Test
  void rejectsAChunkSizePast32BitsInsteadOfReadingItModulo() throws Exception {
    // 0x100000005 read into an int is 5: "hello" would be the chunk, and what follows a request.
    try (RawClient c = new RawClient(proxy.address())) {
      c.send("POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "100000005\r\nhello\r\n0\r\n\r\n" + SMUGGLED);
      RawClient.Response r = c.read();
      assertThat(r.status()).isEqualTo(400);
      assertThat(c.closedByPeer()).isTrue();
    }
    assertThat(receivedText()).doesNotContain("hello").doesNotContain("/smuggled");
    try (RawClient c = new RawClient(proxy.address())) {
      assertThat(c.get("/after").body()).isEqualTo("target=/after");
    }
  }

  @Test
  void rejectsAChunkSizeOfMoreThan16HexDigits() throws Exception {
    try (RawClient c = new RawClient(proxy.address())) {
      c.send("POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "00000000000000005\r\nhello\r\n0\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(400);
      assertThat(c.closedByPeer()).isTrue();
    }
    assertThat(receivedText()).doesNotContain("hello");
  }

  @Test
  void rejectsAChunkLargerThanTheBodyLimit() throws Exception {
    try (RawClient c = new RawClient(proxy.address())) {
      c.send("POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "fffff\r\nhello");
      assertThat(c.read().status()).isIn(400, 413);
      assertThat(c.closedByPeer()).isTrue();
    }
    assertThat(receivedText()).doesNotContain("hello");
  }

  @Test
  void answers413BeforeForwardingAContentLengthOverTheLimit() throws Exception {
    try (RawClient c = new RawClient(proxy.address())) {
      c.send("POST /big HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n" + "x".repeat(1001));
      RawClient.Response r = c.read();
      assertThat(r.status()).isEqualTo(413);
      assertThat(r.header("Connection")).isEqualTo("close");
    }
    assertThat(receivedText()).doesNotContain("/big");
  }

  @Test
  void cutsAChunkedBodyWith413OnceItPassesTheLimit() throws Exception {
    try (RawClient c = new RawClient(proxy.address())) {
      c.send("POST /big HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
      for (int i = 0; i < 3; i++) {
        c.send("190\r\n" + "y".repeat(400) + "\r\n");
      }
      c.send("0\r\n\r\n");
      RawClient.Response r = c.read();
      assertThat(r.status()).isEqualTo(413);
      assertThat(c.closedByPeer()).isTrue();
    }
    assertThat(requests).noneMatch(r -> r.startsWith("POST /big"));
    try (RawClient c = new RawClient(proxy.address())) {
      assertThat(c.get("/after").body()).isEqualTo("target=/after");
    }
  }

  @Test
  void passesABodyJustAtTheLimit() throws Exception {
    try (RawClient c = new RawClient(proxy.address())) {
      c.send("POST /ok HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n" + "x".repeat(1000));
      assertThat(c.read().status()).isEqualTo(200);
    }
  }

  @Test
  void sendsAnAbsoluteFormTargetAsOriginFormWithItsAuthorityAsHost() throws Exception {
    try (RawClient c = new RawClient(proxy.address())) {
      c.send("GET http://real.example:8080/p?q=1 HTTP/1.1\r\nHost: other.example\r\n\r\n");
      assertThat(c.read().body()).isEqualTo("target=/p?q=1");
    }
    String seen = requests.peek();
    assertThat(seen).containsIgnoringCase("\r\nhost: real.example:8080\r\n")
        .doesNotContain("other.example");
  }

  /** Copies what a backend reads into a shared record. */
  private static final class RecordingStream extends java.io.FilterInputStream {
    private final ByteArrayOutputStream into;

    RecordingStream(InputStream in, ByteArrayOutputStream into) {
      super(in);
      this.into = into;
    }

    @Override
    public int read() throws java.io.IOException {
      int c = super.read();
      if (c >= 0) {
        synchronized (into) {
          into.write(c);
        }
      }
      return c;
    }

    @Override
    public int read(byte[] b, int off, int len) throws java.io.IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        synchronized (into) {
          into.write(b, off, n);
        }
      }
      return n;
    }
  }
}
