package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Named.named;

import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Backends that answer with heads a client must never see: bytes that split or smuggle header
 * lines, and heads without end. The client gets 502, none of the hostile bytes, and a proxy that
 * still serves it; the connection that carried them is never used again.
 */
class HostileBackendTest {
  /** Every hostile line names itself with this, so that a test can tell it never got through. */
  private static final String MARK = "evil";

  static Stream<Arguments> hostileHeads() {
    String ok = "Content-Length: 2\r\n\r\nok";
    return Stream.of(
        named("a bare CR in a header value", "HTTP/1.1 200 OK\r\nX-A: 1\rX-Evil: 1\r\n" + ok),
        named("a bare CR in a header name", "HTTP/1.1 200 OK\r\nX-Ev\ril: 1\r\n" + ok),
        named("a bare CR in the status line", "HTTP/1.1 200 OK\rX-Evil: 1\r\n" + ok),
        named("a bare CR before the empty line", "HTTP/1.1 200 OK\r\nX-Evil: 1\r\n\r" + ok),
        named("a NUL in a header value", "HTTP/1.1 200 OK\r\nX-Evil: a\0b\r\n" + ok),
        named("a NUL in a header name", "HTTP/1.1 200 OK\r\nX-Evil\0: 1\r\n" + ok),
        named("an escape byte in a header value", "HTTP/1.1 200 OK\r\nX-Evil: \u001b[2J\r\n" + ok),
        named("a folded header line", "HTTP/1.1 200 OK\r\nX-A: 1\r\n X-Evil: 1\r\n" + ok),
        named("whitespace before the first header",
            "HTTP/1.1 200 OK\r\n\tX-Evil: 1\r\n" + ok),
        named("whitespace between a name and its colon",
            "HTTP/1.1 200 OK\r\nX-Evil : 1\r\n" + ok))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileHeads")
  void aHeadWithBytesInvalidInAHeaderLineIs502AndNeverReachesTheClient(String hostile)
      throws Exception {
    try (SocketBackend backend = hostileOnce(out -> write(out, hostile));
        Proxy proxy = proxyTo(backend);
        RawClient c = new RawClient(proxy.address())) {
      RawClient.Response r = c.get("/");
      assertThat(r.status()).isEqualTo(502);
      assertThat(allOf(r)).doesNotContain(MARK);
      assertStillServes(c, backend);
    }
  }

  @Test
  void aHeadWithoutEndIs502AtTheLimitWhileTheBackendIsStillSending() throws Exception {
    try (SocketBackend backend = hostileOnce(out -> {
          // 1 MiB of header lines and no empty line; then the connection stays open.
          write(out, "HTTP/1.1 200 OK\r\n");
          String filler = "X-Evil-%05d: " + "x".repeat(48) + "\r\n";
          for (int i = 0; i < 16 * 1024; i++) {
            write(out, String.format(Locale.ROOT, filler, i));
          }
          out.flush();
        });
        Proxy proxy = proxyTo(backend);
        RawClient c = new RawClient(proxy.address())) {
      // Far below the response timeout (60 s): the limit answers, not the clock.
      c.socket.setSoTimeout(5_000);
      RawClient.Response r = c.get("/");
      assertThat(r.status()).isEqualTo(502);
      assertThat(allOf(r)).doesNotContain(MARK);
      assertStillServes(c, backend);
    }
  }

  @Test
  void aHeadOneByteOverTheLimitIs502() throws Exception {
    try (SocketBackend backend = hostileOnce(out -> write(out,
            headOf(ResponseReader.MAX_HEAD + 1, "X-Evil") + "ok"));
        Proxy proxy = proxyTo(backend);
        RawClient c = new RawClient(proxy.address())) {
      RawClient.Response r = c.get("/");
      assertThat(r.status()).isEqualTo(502);
      assertThat(allOf(r)).doesNotContain(MARK);
      assertStillServes(c, backend);
    }
  }

  @Test
  void aHeadRightAtTheLimitIsForwarded() throws Exception {
    try (SocketBackend backend = hostileOnce(out -> write(out,
            headOf(ResponseReader.MAX_HEAD, "X-Large") + "ok"));
        Proxy proxy = proxyTo(backend);
        RawClient c = new RawClient(proxy.address())) {
      RawClient.Response r = c.get("/");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("X-Large")).matches("x+").hasSizeGreaterThan(ResponseReader.MAX_HEAD - 64);
      assertThat(r.body()).isEqualTo("ok");
    }
  }

  /** A head of exactly {@code size} bytes, with a body of 2 bytes, padded by header {@code name}. */
  private static String headOf(int size, String name) {
    String start = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n" + name + ": ";
    int pad = size - start.length() - "\r\n\r\n".length();
    String head = start + "x".repeat(pad) + "\r\n\r\n";
    assertThat(head).hasSize(size);
    return head;
  }

  private interface Hostile {
    void write(OutputStream out) throws IOException;
  }

  /**
   * A backend whose first request gets {@code hostile} (after which the connection stays open
   * until the proxy closes it) and every later one a plain 200 "fine".
   */
  private static SocketBackend hostileOnce(Hostile hostile) throws IOException {
    return new SocketBackend((s, b) -> {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      while (b.readRequest(in) != null) {
        if (b.requests.get() == 1) {
          hostile.write(out);
        } else {
          out.write(SocketBackend.ok("fine"));
        }
        out.flush();
      }
    });
  }

  /** The next request on the same client connection is answered, on a new backend connection. */
  private static void assertStillServes(RawClient c, SocketBackend backend) throws IOException {
    RawClient.Response next = c.get("/");
    assertThat(next.status()).isEqualTo(200);
    assertThat(next.body()).isEqualTo("fine");
    assertThat(backend.connections.get()).as("the hostile connection is not reused").isEqualTo(2);
  }

  private static String allOf(RawClient.Response r) {
    return (r.headers() + r.body()).toLowerCase(Locale.ROOT);
  }

  private static void write(OutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  private static Proxy proxyTo(SocketBackend backend) {
    return Proxy.start(TestTransport.options().withMaxTries(1),
        Pool.of(Selector.roundRobin(), List.of(backend.backend("b"))));
  }
}
