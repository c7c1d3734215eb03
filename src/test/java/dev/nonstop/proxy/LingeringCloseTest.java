package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client still sending when the proxy answers with an error reads that answer, not a reset:
 * the proxy stops writing, reads and drops what still comes for a while, then closes.
 */
class LingeringCloseTest {
  private FakeBackend app;
  private Proxy proxy;

  @BeforeEach
  void start() throws Exception {
    app = new FakeBackend("a");
    proxy = Proxy.start(TestTransport.options().withLimits(Limits.DEFAULT.withMaxBody(1000)),
        Pool.of(Selector.roundRobin(), List.of(app.backend())));
  }

  @AfterEach
  void stop() {
    proxy.close();
    app.close();
  }

  /**
   * Sends {@code head} and {@code more} bytes, the whole request as curl would, and only then
   * reads the answer: a proxy that closed with unread bytes has reset the connection by then.
   */
  private RawClient.Response sendWhileStillSending(String head, int more) throws Exception {
    try (RawClient c = new RawClient(proxy.address())) {
      OutputStream out = c.socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      byte[] junk = new byte[8192];
      for (int sent = 0; sent < more; sent += junk.length) {
        out.write(junk);
      }
      out.flush();
      RawClient.Response r = c.read();
      assertThat(c.closedByPeer()).isTrue();
      return r;
    }
  }

  @Test
  void aClientSendingAHugeHeaderReads431() throws Exception {
    for (int i = 0; i < 5; i++) {
      RawClient.Response r = sendWhileStillSending(
          "GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + "b".repeat(40_000), 512 * 1024);
      assertThat(r.status()).isEqualTo(431);
    }
  }

  @Test
  void aClientUploadingPastTheBodyLimitReads413() throws Exception {
    for (int i = 0; i < 5; i++) {
      RawClient.Response r = sendWhileStillSending(
          "POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 500000\r\n\r\n", 500_000);
      assertThat(r.status()).isEqualTo(413);
    }
  }

  @Test
  void aBackendThatAnswersBeforeTheBodyEndsIsHeardByTheClient() throws Exception {
    app.handler = ex -> {
      ex.sendResponseHeaders(403, -1); // without reading the upload
      ex.close();
    };
    for (int i = 0; i < 3; i++) {
      RawClient.Response r = sendWhileStillSending(
          "POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 900\r\n\r\n", 900);
      assertThat(r.status()).isIn(403);
    }
  }
}
