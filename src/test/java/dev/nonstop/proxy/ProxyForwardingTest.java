package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ProxyForwardingTest {
  private FakeBackend app;
  private Proxy proxy;

  @BeforeEach
  void start() throws Exception {
    app = new FakeBackend("a");
    proxy = Proxy.start(TestTransport.options(),
        Pool.of(Selector.leastInFlight(), List.of(app.backend())));
  }

  @AfterEach
  void stop() {
    proxy.close();
    app.close();
  }

  @Test
  void runsOnTheTransportAskedForOrTheFastestOneHere() {
    TransportKind expected = TestTransport.KIND != TransportKind.AUTO ? TestTransport.KIND
        : IoUring.isAvailable() ? TransportKind.IO_URING
        : Epoll.isAvailable() ? TransportKind.EPOLL
        : TransportKind.NIO;
    assertThat(proxy.transport()).isEqualTo(expected);
  }

  @Test
  void forwardsGetAndPostOverOneKeptAliveConnection() throws Exception {
    try (RawClient c = new RawClient(proxy.address())) {
      RawClient.Response get = c.get("/hello?x=1");
      assertThat(get.status()).isEqualTo(200);
      assertThat(get.body()).isEqualTo("a GET /hello?x=1 0");
      c.send("POST /form HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello");
      RawClient.Response post = c.read();
      assertThat(post.status()).isEqualTo(200);
      assertThat(post.body()).isEqualTo("a POST /form 5");
      assertThat(c.get("/again").body()).isEqualTo("a GET /again 0");
    }
  }

  @Test
  void streamsChunkedRequestBodies() throws Exception {
    try (RawClient c = new RawClient(proxy.address())) {
      c.send("POST /up HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
      assertThat(c.read().body()).isEqualTo("a POST /up 11");
    }
  }

  @Test
  void removesHopByHopHeadersAndAddsForwardedOnes() throws Exception {
    try (RawClient c = new RawClient(proxy.address())) {
      c.send("GET /h HTTP/1.1\r\nHost: example.org\r\nConnection: keep-alive, X-Secret\r\n"
          + "X-Secret: 1\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\n"
          + "Proxy-Authorization: Basic eA==\r\nTE: trailers, deflate\r\nTrailer: X-T\r\n"
          + "Upgrade: websocket\r\nX-Forwarded-For: 10.0.0.1\r\nX-Kept: yes\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(200);
    }
    FakeBackend.Seen seen = app.seen.poll();
    assertThat(seen.headers().getFirst("Host")).isEqualTo("example.org");
    assertThat(seen.headers().getFirst("X-Kept")).isEqualTo("yes");
    assertThat(seen.headers().getFirst("X-Forwarded-For")).isEqualTo("10.0.0.1, 127.0.0.1");
    assertThat(seen.headers().getFirst("X-Forwarded-Proto")).isEqualTo("http");
    assertThat(seen.headers().getFirst("X-Forwarded-Host")).isEqualTo("example.org");
    assertThat(seen.headers().getFirst("TE")).isEqualTo("trailers");
    for (String hop : List.of("X-Secret", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization",
        "Trailer", "Upgrade", "Transfer-Encoding")) {
      assertThat(seen.headers().containsKey(hop)).as(hop).isFalse();
    }
  }

  @Test
  void removesHopByHopHeadersFromResponses() throws Exception {
    app.handler = ex -> {
      ex.getResponseHeaders().add("Connection", "X-Private");
      ex.getResponseHeaders().add("X-Private", "1");
      ex.getResponseHeaders().add("Proxy-Authenticate", "Basic");
      ex.getResponseHeaders().add("X-Public", "2");
      ex.sendResponseHeaders(200, 2);
      ex.getResponseBody().write("ok".getBytes(StandardCharsets.UTF_8));
      ex.close();
    };
    try (RawClient c = new RawClient(proxy.address())) {
      RawClient.Response r = c.get("/");
      assertThat(r.header("X-Public")).isEqualTo("2");
      assertThat(r.header("X-Private")).isNull();
      assertThat(r.header("Proxy-Authenticate")).isNull();
      assertThat(r.header("Connection")).isNull();
      assertThat(c.get("/").status()).isEqualTo(200);
    }
  }

  @Test
  void relaysChunkedResponsesAndHeadAnd204And304WithoutBodies() throws Exception {
    app.handler = ex -> {
      String path = ex.getRequestURI().getPath();
      FakeBackend.drain(ex.getRequestBody());
      switch (path) {
        case "/chunked" -> {
          ex.sendResponseHeaders(200, 0);
          try (OutputStream out = ex.getResponseBody()) {
            out.write("part1-".getBytes(StandardCharsets.UTF_8));
            out.flush();
            out.write("part2".getBytes(StandardCharsets.UTF_8));
          }
        }
        case "/204" -> ex.sendResponseHeaders(204, -1);
        case "/304" -> ex.sendResponseHeaders(304, -1);
        default -> {
          ex.getResponseHeaders().set("Content-Length", "1000");
          ex.sendResponseHeaders(200, -1);
        }
      }
      ex.close();
    };
    try (RawClient c = new RawClient(proxy.address())) {
      RawClient.Response chunked = c.get("/chunked");
      assertThat(chunked.header("Transfer-Encoding")).isEqualTo("chunked");
      assertThat(chunked.body()).isEqualTo("part1-part2");
      assertThat(c.get("/204").status()).isEqualTo(204);
      assertThat(c.get("/304").status()).isEqualTo(304);
      c.send("HEAD /head HTTP/1.1\r\nHost: test\r\n\r\n");
      RawClient.Response head = c.read(true);
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.header("Content-Length")).isEqualTo("1000");
      // the connection is still in step: no stray body bytes came after any of them
      assertThat(c.get("/chunked").body()).isEqualTo("part1-part2");
    }
  }

  @Test
  void relaysExpectContinue() throws Exception {
    try (RawClient c = new RawClient(proxy.address())) {
      c.send("PUT /x HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
      RawClient.Response cont = c.read();
      assertThat(cont.status()).isEqualTo(100);
      c.send("abc");
      assertThat(c.read().body()).isEqualTo("a PUT /x 3");
    }
  }

  @Test
  void answers503WhenNoBackendIsUsable() throws Exception {
    proxy.swap(Pool.empty(Selector.roundRobin()));
    try (RawClient c = new RawClient(proxy.address())) {
      RawClient.Response r = c.get("/");
      assertThat(r.status()).isEqualTo(503);
      assertThat(c.get("/").status()).isEqualTo(503); // kept alive
    }
  }

  @Test
  void servesTheMaintenancePageWithTheMessageEscaped() throws Exception {
    proxy.maintenance("back at <b>5</b> & soon");
    try (RawClient c = new RawClient(proxy.address())) {
      RawClient.Response r = c.get("/");
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.header("Retry-After")).isEqualTo("30");
      assertThat(r.header("Content-Type")).startsWith("text/html");
      assertThat(r.body()).contains("back at &lt;b&gt;5&lt;/b&gt; &amp; soon").doesNotContain("<b>");
      proxy.maintenance(null);
      assertThat(c.get("/").status()).isEqualTo(200);
    }
    assertThat(app.requests.get()).isEqualTo(1);
  }

  @Test
  void tellsTheListenerOncePerRequest() throws Exception {
    ConcurrentLinkedQueue<String> heard = new ConcurrentLinkedQueue<>();
    Backend b = proxy.pool().backends().get(0);
    proxy.listener((backend, status, nanos, proxyError) ->
        heard.add((backend == b ? "a" : String.valueOf(backend)) + " " + status + " " + proxyError
            + " " + (nanos > 0)));
    try (RawClient c = new RawClient(proxy.address())) {
      c.get("/");
      proxy.swap(Pool.empty(Selector.roundRobin()));
      c.get("/");
    }
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
        .until(() -> heard.size() == 2);
    assertThat(heard).containsExactly("a 200 false true", "null 503 true true");
    assertThat(b.inFlight()).isZero();
  }

  @Test
  void answers400ToABrokenChunkAndCloses() throws Exception {
    try (RawClient c = new RawClient(proxy.address())) {
      c.send("POST /up HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "5\r\nhello\r\nzz\r\nnot a chunk\r\n0\r\n\r\n");
      RawClient.Response r = c.read();
      assertThat(r.status()).isEqualTo(400);
      assertThat(c.closedByPeer()).isTrue();
    }
  }
}
