package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Malformed, oversized, unsupported and slow requests get their status, and never reach a backend. */
class RejectedRequestTest {
  private FakeBackend app;
  private Proxy proxy;

  @BeforeEach
  void start() throws Exception {
    app = new FakeBackend("a");
    proxy = Proxy.start(TestTransport.options()
            .withRequestHeaderTimeout(Duration.ofMillis(300)),
        Pool.of(Selector.roundRobin(), List.of(app.backend())));
  }

  @AfterEach
  void stop() {
    proxy.close();
    app.close();
    assertThat(app.requests.get()).isZero();
  }

  private void expectClosedWith(String raw, int status) throws Exception {
    try (RawClient c = new RawClient(proxy.address())) {
      c.send(raw);
      RawClient.Response r = c.read();
      assertThat(r.status()).isEqualTo(status);
      assertThat(r.header("Connection")).isEqualTo("close");
      assertThat(c.closedByPeer()).isTrue();
    }
  }

  @Test
  void answers414ToARequestLineOver8KiB() throws Exception {
    expectClosedWith("GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: t\r\n\r\n", 414);
  }

  @Test
  void answers431ToHeadersOver16KiB() throws Exception {
    expectClosedWith("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + "b".repeat(17000) + "\r\n\r\n", 431);
  }

  @Test
  void answers400ToAMalformedRequest() throws Exception {
    expectClosedWith("GET / HTTP/1.1\r\nHost: t\r\nBad Header\r\n\r\n", 400);
  }

  @Test
  void answers400ToGarbage() throws Exception {
    expectClosedWith("\u0001\u0002 nonsense\r\n\r\n", 400);
  }

  @Test
  void answers400ToContentLengthWithTransferEncoding() throws Exception {
    expectClosedWith("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
  }

  @Test
  void answers400ToAnInvalidTransferEncoding() throws Exception {
    expectClosedWith("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
        + "0\r\n\r\n", 400);
  }

  @Test
  void answers400ToConflictingContentLengths() throws Exception {
    expectClosedWith("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n"
        + "abcd", 400);
  }

  @Test
  void cutsOffASlowlorisWith408() throws Exception {
    // Part of a head, then nothing: the header timeout (300 ms here) ends it.
    expectClosedWith("GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ", 408);
  }

  @Test
  void answers400ToANulByteInTheTarget() throws Exception {
    expectClosedWith("GET /a\u0000b HTTP/1.1\r\nHost: t\r\n\r\n", 400);
  }

  @Test
  void answers400ToAControlCharacterInTheTarget() throws Exception {
    expectClosedWith("GET /a\u0001b HTTP/1.1\r\nHost: t\r\n\r\n", 400);
  }

  @Test
  void answers400ToAnHttp11RequestWithoutHost() throws Exception {
    expectClosedWith("GET / HTTP/1.1\r\nX-A: 1\r\n\r\n", 400);
  }

  @Test
  void answers400ToTwoHostHeaders() throws Exception {
    expectClosedWith("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
  }

  @Test
  void answers400ToAnAbsoluteTargetWithoutAHost() throws Exception {
    expectClosedWith("GET http:///p HTTP/1.1\r\nHost: a\r\n\r\n", 400);
  }

  @Test
  void answers505ToHttpVersionsOtherThan10And11() throws Exception {
    for (String v : List.of("HTTP/2.0", "HTTP/1.2", "HTTP/9.9", "HTTP/0.9")) {
      expectClosedWith("GET / " + v + "\r\nHost: t\r\n\r\n", 505);
    }
  }

  @Test
  void answers505ToTheHttp2PrefaceWhileHttp2IsOff() throws Exception {
    expectClosedWith("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505);
  }

  @Test
  void answers501ToConnect() throws Exception {
    expectClosedWith("CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n", 501);
  }

  @Test
  void answers400ToANulByteInAHeaderValue() throws Exception {
    expectClosedWith("GET / HTTP/1.1\r\nHost: t\r\nX-A: a\u0000b\r\n\r\n", 400);
  }

  @Test
  void answers400ToABareCrInAHeaderValue() throws Exception {
    expectClosedWith("GET / HTTP/1.1\r\nHost: t\r\nX-A: a\rX-B: b\r\n\r\n", 400);
  }

  @Test
  void answers400ToWhiteSpaceBeforeAHeaderColon() throws Exception {
    expectClosedWith("GET / HTTP/1.1\r\nHost: t\r\nContent-Length : 5\r\n\r\nhello", 400);
  }
}
