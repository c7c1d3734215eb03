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
      if (r.status() != 403) { // the backend's answer may come after the body, on a kept connection
        assertThat(c.closedByPeer()).as("closed after the proxy's error answer").isTrue();
      }
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
    try (SocketBackend early = new SocketBackend((socket, b) -> {
          // Answers 403 after the head, then drops the body it never wanted, as an app refusing
          // an upload does.
          java.io.InputStream in = socket.getInputStream();
          StringBuilder head = new StringBuilder();
          while (head.indexOf("\r\n\r\n") < 0) {
            head.append((char) in.read());
          }
          socket.getOutputStream().write(
              "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.ISO_8859_1));
          in.transferTo(OutputStream.nullOutputStream());
        });
        Proxy unlimited = Proxy.start(TestTransport.options(),
            Pool.of(Selector.roundRobin(), List.of(early.backend("early"))))) {
      proxy.close();
      proxy = unlimited;
      for (int i = 0; i < 3; i++) {
        RawClient.Response r = sendWhileStillSending(
            "POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 500000\r\n\r\n", 500_000);
        assertThat(r.status()).isEqualTo(403);
      }
    }
  }
}
