package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * Responses as backends really frame them, relayed byte for byte: bodies that end at the close,
 * chunks with trailers, heads that arrive a byte at a time, HTTP/1.0 clients, broken framing.
 */
class ResponseFramingTest {
  private static final String CHUNKED = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
      + "Transfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"
      + "6;ext=1\r\nhello \r\n5\r\nworld\r\n0\r\nX-Checksum: abc\r\n\r\n";

  /** A backend that answers every request on a connection with {@code response}, then closes. */
  private static SocketBackend answering(String response, boolean closeAfter) throws IOException {
    return new SocketBackend((s, b) -> {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      while (b.readRequest(in) != null) {
        out.write(response.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        if (closeAfter) {
          return;
        }
      }
    });
  }

  private static Proxy proxyTo(SocketBackend backend) {
    return Proxy.start(TestTransport.options().withMaxTries(1),
        Pool.of(Selector.roundRobin(), List.of(backend.backend("b"))));
  }

  @Test
  void aBodyThatEndsAtTheCloseReachesAnHttp11ClientAsChunksOnAConnectionKeptOpen() throws Exception {
    try (SocketBackend backend = answering(
            "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it until the close", true);
        Proxy proxy = proxyTo(backend);
        RawClient c = new RawClient(proxy.address())) {
      RawClient.Response r = c.get("/");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("Transfer-Encoding")).isEqualTo("chunked");
      assertThat(r.body()).isEqualTo("all of it until the close");
      assertThat(c.get("/").body()).isEqualTo("all of it until the close");
      assertThat(backend.connections.get()).isEqualTo(2);
    }
  }

  @Test
  void chunksAndTrailersPassThroughToAnHttp11Client() throws Exception {
    try (SocketBackend backend = answering(CHUNKED, false);
        Proxy proxy = proxyTo(backend);
        RawClient c = new RawClient(proxy.address())) {
      RawClient.Response r = c.get("/");
      assertThat(r.header("Transfer-Encoding")).isEqualTo("chunked");
      assertThat(r.header("Trailer")).isNull(); // hop-by-hop
      assertThat(r.body()).isEqualTo("hello world");
      assertThat(r.trailers()).containsEntry("x-checksum", "abc");
      assertThat(c.get("/").body()).isEqualTo("hello world");
      assertThat(backend.connections.get()).isEqualTo(1);
    }
  }

  @Test
  void anHttp10ClientGetsAChunkedBodyAsBareDataEndedByTheClose() throws Exception {
    try (SocketBackend backend = answering(CHUNKED, false);
        Proxy proxy = proxyTo(backend);
        Socket s = new Socket("127.0.0.1", proxy.address().getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(all).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nhello world");
      assertThat(all.toLowerCase()).doesNotContain("transfer-encoding").contains("connection: close");
    }
  }

  @Test
  void earlyHintsReachAnHttp11ClientBeforeTheResponseButNotAnHttp10One() throws Exception {
    try (SocketBackend backend = answering("HTTP/1.1 103 Early Hints\r\n"
            + "Link: </style.css>; rel=preload\r\nKeep-Alive: timeout=5\r\n\r\n"
            + new String(SocketBackend.ok("page"), StandardCharsets.ISO_8859_1), false);
        Proxy proxy = proxyTo(backend);
        RawClient c = new RawClient(proxy.address())) {
      RawClient.Response hints = c.get("/");
      assertThat(hints.status()).isEqualTo(103);
      assertThat(hints.header("Link")).isEqualTo("</style.css>; rel=preload");
      assertThat(hints.header("Keep-Alive")).isNull(); // hop-by-hop, in a 1xx too
      assertThat(c.read().body()).isEqualTo("page");
      c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
      RawClient.Response old = c.read();
      assertThat(old.status()).isEqualTo(200);
      assertThat(old.body()).isEqualTo("page");
    }
  }

  @Test
  void anHttp10ClientThatAsksForKeepAliveKeepsItsConnection() throws Exception {
    try (SocketBackend backend = answering(
            new String(SocketBackend.ok("fine"), StandardCharsets.ISO_8859_1), false);
        Proxy proxy = proxyTo(backend);
        RawClient c = new RawClient(proxy.address())) {
      c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
      RawClient.Response first = c.read();
      assertThat(first.header("Connection")).isEqualTo("keep-alive");
      assertThat(first.body()).isEqualTo("fine");
      c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
      assertThat(c.read().body()).isEqualTo("fine");
    }
  }

  @Test
  void aResponseArrivingOneByteAtATimeIsPutTogether() throws Exception {
    String response = "HTTP/1.1 200 OK\r\nX-Slow: yes\r\nContent-Length: 4\r\n\r\nslow" + CHUNKED;
    try (SocketBackend backend = new SocketBackend((s, b) -> {
          s.setTcpNoDelay(true);
          InputStream in = s.getInputStream();
          OutputStream out = s.getOutputStream();
          int n = 0;
          while (b.readRequest(in) != null) {
            String r = n++ % 2 == 0 ? response.substring(0, response.indexOf("slow") + 4)
                : CHUNKED;
            for (byte x : r.getBytes(StandardCharsets.ISO_8859_1)) {
              out.write(x);
              out.flush();
              pause();
            }
          }
        });
        Proxy proxy = proxyTo(backend);
        RawClient c = new RawClient(proxy.address())) {
      RawClient.Response first = c.get("/");
      assertThat(first.header("X-Slow")).isEqualTo("yes");
      assertThat(first.body()).isEqualTo("slow");
      RawClient.Response second = c.get("/");
      assertThat(second.body()).isEqualTo("hello world");
      assertThat(second.trailers()).containsEntry("x-checksum", "abc");
    }
  }

  @Test
  void theHeadOfAStreamReachesTheClientBeforeItsFirstEvent() throws Exception {
    CountDownLatch headSeen = new CountDownLatch(1);
    try (SocketBackend backend = new SocketBackend((s, b) -> {
          b.readRequest(s.getInputStream());
          OutputStream out = s.getOutputStream();
          out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
              + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          try {
            headSeen.await(); // no event until the client has the head
          } catch (InterruptedException e) {
            return;
          }
          out.write("c\r\ndata: hello\n\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          s.getInputStream().read();
        });
        Proxy proxy = proxyTo(backend);
        RawClient c = new RawClient(proxy.address())) {
      c.send("GET /events HTTP/1.1\r\nHost: test\r\n\r\n");
      InputStream in = c.socket.getInputStream();
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        int ch = in.read();
        assertThat(ch).as("the head, before any event").isNotNegative();
        head.append((char) ch);
      }
      assertThat(head.toString()).startsWith("HTTP/1.1 200 OK").contains("text/event-stream");
      headSeen.countDown();
      String rest = new String(in.readNBytes("c\r\ndata: hello\n\r\n".length()),
          StandardCharsets.ISO_8859_1);
      assertThat(rest).isEqualTo("c\r\ndata: hello\n\r\n");
    }
  }

  @Test
  void aConnectionWithBytesAfterItsResponseIsNeverReused() throws Exception {
    try (SocketBackend backend = answering(
            new String(SocketBackend.ok("one"), StandardCharsets.ISO_8859_1) + "stray bytes", false);
        Proxy proxy = proxyTo(backend);
        RawClient c = new RawClient(proxy.address())) {
      assertThat(c.get("/").body()).isEqualTo("one");
      assertThat(c.get("/").body()).isEqualTo("one");
      assertThat(backend.connections.get()).isEqualTo(2);
    }
  }

  @Test
  void answers502ToResponsesThatCannotBeFramed() throws Exception {
    for (String bad : List.of(
        "HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "HTTP/1.1 2xx OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/2 200\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")) {
      try (SocketBackend backend = answering(bad, false);
          Proxy proxy = proxyTo(backend);
          RawClient c = new RawClient(proxy.address())) {
        assertThat(c.get("/").status()).as(bad).isEqualTo(502);
      }
    }
  }

  private static void pause() {
    try {
      Thread.sleep(0, 200_000); // let the proxy see the bytes in many reads
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
