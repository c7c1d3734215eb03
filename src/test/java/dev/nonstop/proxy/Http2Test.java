package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 to clients: over TLS (the JDK's client, ALPN) and as h2c with prior knowledge (a client
 * that writes frames by hand), with HTTP/1.1 backends. Each stream is an exchange like an
 * HTTP/1.1 request; the floods known from the CVEs are bounded; a hand-off sends GOAWAY and lets
 * the streams under way finish.
 */
class Http2Test {
  @TempDir Path dir;
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closeLater(T c) {
    closing.add(c);
    return c;
  }

  private Proxy h2c(FakeBackend app, ProxyOptions o) {
    return closeLater(Proxy.start(o.withFront(new FrontDoor(null, true)),
        Pool.of(Selector.roundRobin(), List.of(app.backend()))));
  }

  @Test
  void priorKnowledgeSpeaksHttp2AndOtherClientsHttp11OnTheSamePort() throws Exception {
    FakeBackend app = closeLater(new FakeBackend("a"));
    Proxy proxy = h2c(app, TestTransport.options());
    try (H2Wire h2 = new H2Wire(proxy.address())) {
      h2.headers(1, H2Wire.get("/one"), true);
      H2Wire.Response r = h2.response(1);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("a GET /one 0");
      // connection-specific headers never reach an HTTP/2 client
      assertThat(r.headers().contains("connection")).isFalse();
      assertThat(r.headers().contains("transfer-encoding")).isFalse();
      assertThat(r.headers().get("content-type").toString()).isEqualTo("text/plain");

      h2.headers(3, H2Wire.get("/two").method("POST"), false);
      h2.data(3, "hello", false);
      h2.data(3, " world", true);
      assertThat(h2.response(3).body()).isEqualTo("a POST /two 11");
    }
    try (RawClient c = new RawClient(proxy.address())) {
      assertThat(c.get("/three").body()).isEqualTo("a GET /three 0");
    }
    FakeBackend.Seen first = app.seen.peek();
    assertThat(first.headers().getFirst("Host")).isEqualTo("t");
    assertThat(first.headers().getFirst("X-Forwarded-Proto")).isEqualTo("http");
    assertThat(first.headers().keySet()).noneMatch(k -> k.toLowerCase().startsWith("x-http2"));
  }

  @Test
  void aMalformedContentLengthFailsItsStreamAloneAndReachesNoBackend() throws Exception {
    FakeBackend app = closeLater(new FakeBackend("a"));
    Proxy proxy = h2c(app, TestTransport.options());
    try (H2Wire h2 = new H2Wire(proxy.address())) {
      h2.headers(1, H2Wire.get("/bad").method("POST").add("content-length", "12abc"), false);
      h2.data(1, "hello", true);
      h2.headers(3, H2Wire.get("/good"), true);
      H2Wire.Response good = h2.response(3);
      assertThat(good.body()).isEqualTo("a GET /good 0");
    }
    assertThat(app.seen).extracting(FakeBackend.Seen::path).containsExactly("/good");
  }

  @Test
  void headAndNoContentAnswersEndTheStreamWithTheirHeaders() throws Exception {
    FakeBackend app = closeLater(new FakeBackend("a"));
    app.handler = ex -> {
      if (ex.getRequestURI().getPath().equals("/empty")) {
        ex.sendResponseHeaders(204, -1);
      } else {
        ex.getResponseHeaders().set("Content-Length", "1234");
        ex.sendResponseHeaders(200, -1); // a HEAD answer: the length a GET would get, no body
      }
      ex.close();
    };
    Proxy proxy = h2c(app, TestTransport.options());
    try (H2Wire h2 = new H2Wire(proxy.address())) {
      h2.headers(1, H2Wire.get("/empty"), true);
      H2Wire.Response r = h2.response(1);
      assertThat(r.status()).isEqualTo(204);
      assertThat(r.body()).isEmpty();
      h2.headers(3, H2Wire.get("/head").method("HEAD"), true);
      H2Wire.Response head = h2.response(3);
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.headers().get("content-length").toString()).isEqualTo("1234");
      assertThat(head.body()).isEmpty();
    }
  }

  @Test
  void streamsAfterOneTheClientResetMidResponseGetTheirOwnWholeAnswers() throws Exception {
    FakeBackend app = closeLater(new FakeBackend("a"));
    CountDownLatch reset = new CountDownLatch(1);
    app.handler = ex -> {
      String path = ex.getRequestURI().getPath();
      byte[] body = ("a " + ex.getRequestMethod() + " " + path).getBytes(StandardCharsets.UTF_8);
      if (path.equals("/slow")) {
        ex.sendResponseHeaders(200, 0); // a body of no told length: chunked
        OutputStream out = ex.getResponseBody();
        out.write("first part ".getBytes(StandardCharsets.UTF_8));
        out.flush();
        try {
          reset.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        out.write("the rest nobody reads".getBytes(StandardCharsets.UTF_8));
      } else if (ex.getRequestMethod().equals("HEAD")) {
        ex.getResponseHeaders().set("Content-Length", "999");
        ex.sendResponseHeaders(200, -1);
      } else {
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
      }
      ex.close();
    };
    Proxy proxy = h2c(app, TestTransport.options());
    try (H2Wire h2 = new H2Wire(proxy.address())) {
      h2.headers(1, H2Wire.get("/slow"), true);
      H2Wire.Frame f;
      do {
        f = h2.read();
        if (f.type() == H2Wire.HEADERS) {
          h2.decode(f); // HPACK's table goes on from every head
        }
      } while (f.type() != H2Wire.DATA || f.stream() != 1); // its head and first part are out
      h2.rst(1);
      reset.countDown();
      // the next streams, one after another, on the same connection: a HEAD, then GETs
      h2.headers(3, H2Wire.get("/head").method("HEAD"), true);
      H2Wire.Response head = h2.response(3);
      assertThat(head.headers().get("content-length").toString()).isEqualTo("999");
      assertThat(head.body()).isEmpty();
      for (int stream = 5; stream <= 9; stream += 2) {
        h2.headers(stream, H2Wire.get("/n" + stream), true);
        H2Wire.Response r = h2.response(stream);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("a GET /n" + stream);
      }
    }
  }

  @Test
  void aStreamWhoseClientGivesNoRoomIsResetAfterTheSendTimeoutAndItsBackendReleased()
      throws Exception {
    FakeBackend app = closeLater(new FakeBackend("a"));
    byte[] big = new byte[4 * 1024 * 1024];
    app.handler = ex -> {
      ex.sendResponseHeaders(200, big.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(big);
      } catch (java.io.IOException e) {
        // the proxy gave up on this response: its connection closed
      }
      ex.close();
    };
    Proxy proxy = h2c(app, TestTransport.options().withLimits(
        Limits.DEFAULT.withSendTimeout(Duration.ofMillis(500))));
    try (H2Wire h2 = new H2Wire(proxy.address())) {
      h2.headers(1, H2Wire.get("/big"), true);
      // The client reads frames but never opens its window past the first 64 KiB.
      long data = 0;
      H2Wire.Frame f;
      do {
        f = h2.read();
        if (f.type() == H2Wire.HEADERS) {
          h2.decode(f);
        } else if (f.type() == H2Wire.DATA) {
          data += f.payload().length;
        }
      } while (f.type() != H2Wire.RST_STREAM);
      assertThat(f.stream()).isEqualTo(1);
      assertThat(data).isLessThanOrEqualTo(65_535);
      await().atMost(Duration.ofSeconds(10))
          .until(() -> proxy.pool().backends().get(0).inFlight() == 0);
    }
  }

  @Test
  void manyStreamsAtOnceOnOneTlsConnectionEachGetTheirOwnAnswer() throws Exception {
    TestCerts certs = new TestCerts(dir);
    FakeBackend app = closeLater(new FakeBackend("a"));
    Proxy proxy = closeLater(Proxy.start(TestTransport.options().withFront(new FrontDoor(
            Certificates.load(List.of(certs.issue("s", "localhost")), true), false)),
        Pool.of(Selector.roundRobin(), List.of(app.backend()))));
    HttpClient client = HttpClient.newBuilder().sslContext(certs.sslContext())
        .version(HttpClient.Version.HTTP_2).build();
    // one request first: the JDK's client then sends the others on that connection
    assertThat(client.send(HttpRequest.newBuilder(URI.create("https://localhost:"
        + proxy.address().getPort() + "/first")).build(), HttpResponse.BodyHandlers.ofString())
        .version()).isEqualTo(HttpClient.Version.HTTP_2);
    // in waves below the stream limit: the JDK's client fails a stream past it instead of waiting
    for (int wave = 0; wave < 4; wave++) {
      List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
      for (int i = 0; i < 80; i++) {
        all.add(client.sendAsync(HttpRequest.newBuilder(URI.create("https://localhost:"
            + proxy.address().getPort() + "/r" + wave + "-" + i)).build(),
            HttpResponse.BodyHandlers.ofString()));
      }
      for (int i = 0; i < 80; i++) {
        HttpResponse<String> r = all.get(i).get(30, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("a GET /r" + wave + "-" + i + " 0");
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
      }
    }
    assertThat(proxy.clientConnections()).isEqualTo(1);
  }

  @Test
  void largeBodiesGoBothWaysIntact() throws Exception {
    TestCerts certs = new TestCerts(dir);
    FakeBackend app = closeLater(new FakeBackend("a"));
    byte[] big = new byte[12 * 1024 * 1024 + 17];
    new Random(7).nextBytes(big);
    app.handler = ex -> {
      if (ex.getRequestMethod().equals("POST")) {
        byte[] got = ex.getRequestBody().readAllBytes();
        byte[] digest = sha(got).getBytes(StandardCharsets.US_ASCII);
        ex.sendResponseHeaders(200, digest.length);
        ex.getResponseBody().write(digest);
      } else {
        ex.sendResponseHeaders(200, ex.getRequestURI().getPath().equals("/chunked") ? 0 : big.length);
        try (OutputStream out = ex.getResponseBody()) {
          for (int i = 0; i < big.length; i += 100_000) {
            out.write(big, i, Math.min(100_000, big.length - i));
          }
        }
      }
      ex.close();
    };
    Proxy proxy = closeLater(Proxy.start(TestTransport.options().withFront(new FrontDoor(
            Certificates.load(List.of(certs.issue("s", "localhost")), true), false)),
        Pool.of(Selector.roundRobin(), List.of(app.backend()))));
    HttpClient client = HttpClient.newBuilder().sslContext(certs.sslContext())
        .version(HttpClient.Version.HTTP_2).build();
    String base = "https://localhost:" + proxy.address().getPort();
    for (String path : List.of("/length", "/chunked")) {
      HttpResponse<byte[]> down = client.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertThat(down.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(down.body().length).as(path).isEqualTo(big.length);
      assertThat(sha(down.body())).as(path).isEqualTo(sha(big));
    }
    HttpResponse<String> up = client.send(HttpRequest.newBuilder(URI.create(base + "/up"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(up.body()).isEqualTo(sha(big));
  }

  @Test
  void aBurstOfResetStreamsEndsTheConnectionAndFewRequestsReachTheBackend() throws Exception {
    FakeBackend app = closeLater(new FakeBackend("a"));
    Proxy proxy = h2c(app, TestTransport.options());
    H2Wire.Frame goAway;
    int sent = 0;
    try (H2Wire h2 = new H2Wire(proxy.address())) {
      try {
        for (int stream = 1; stream < 20_000; stream += 2) {
          h2.headers(stream, H2Wire.get("/r"), true);
          h2.rst(stream);
          sent++;
        }
      } catch (java.io.IOException e) {
        // the proxy closed the connection under the flood
      }
      goAway = h2.untilGoAway();
    }
    assertThat(sent).isGreaterThan(H2Connection.MAX_RESETS);
    if (goAway != null) {
      assertThat(goAway.errorCode()).as("ENHANCE_YOUR_CALM").isEqualTo(0xb);
    }
    assertThat(app.requests.get()).isLessThanOrEqualTo(H2Connection.MAX_RESETS + H2Connection.MAX_STREAMS);
    try (H2Wire other = new H2Wire(proxy.address())) {
      other.headers(1, H2Wire.get("/after"), true);
      assertThat(other.response(1).body()).isEqualTo("a GET /after 0");
    }
  }

  @Test
  void endlessContinuationFramesEndTheConnection() throws Exception {
    FakeBackend app = closeLater(new FakeBackend("a"));
    Proxy proxy = h2c(app, TestTransport.options());
    long sent = 0;
    try (H2Wire h2 = new H2Wire(proxy.address())) {
      h2.frame(H2Wire.HEADERS, 0, 1, h2.block(H2Wire.get("/c"))); // no END_HEADERS
      byte[] junk = new byte[4096];
      java.util.Arrays.fill(junk, (byte) 0x40); // literal header fields, never ending
      try {
        while (sent < 64L * 1024 * 1024) {
          h2.frame(H2Wire.CONTINUATION, 0, 1, junk);
          sent += junk.length;
        }
      } catch (java.io.IOException e) {
        // closed by the proxy: what we want
      }
      assertThat(h2.closedByServer()).isTrue();
    }
    assertThat(sent).as("bytes the proxy took before it ended the connection")
        .isLessThan(8L * 1024 * 1024);
    assertThat(app.requests.get()).isZero();
    try (RawClient c = new RawClient(proxy.address())) {
      assertThat(c.get("/after").status()).isEqualTo(200);
    }
  }

  @Test
  void streamsPastTheLimitAreRefusedAndTheOthersServed() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    FakeBackend app = closeLater(new FakeBackend("a"));
    app.handler = answersWhenReleased(release, ex -> ex.getRequestURI().getPath());
    Proxy proxy = h2c(app, TestTransport.options());
    try (H2Wire h2 = new H2Wire(proxy.address())) {
      h2.read(); // the proxy's SETTINGS: its stream limit holds from here
      int streams = H2Connection.MAX_STREAMS + 5;
      for (int i = 0; i < streams; i++) {
        h2.headers(1 + 2 * i, H2Wire.get("/s" + i), true);
      }
      int refused = 0;
      while (refused < 5) {
        H2Wire.Frame f = h2.read();
        if (f.type() == H2Wire.RST_STREAM) {
          assertThat(f.stream()).isGreaterThan(2 * H2Connection.MAX_STREAMS - 1);
          refused++;
        }
      }
      await().atMost(Duration.ofSeconds(20))
          .until(() -> app.requests.get() == H2Connection.MAX_STREAMS);
      release.countDown();
      assertThat(h2.response(1).body()).isEqualTo("/s0");
    }
  }

  /** Opens stream 1 to {@code path} and waits until {@code app} holds its request. */
  private static void heldAtTheBackend(H2Wire h2, FakeBackend app, String path) throws Exception {
    h2.headers(1, H2Wire.get(path), true);
    await().atMost(Duration.ofSeconds(10)).until(() -> app.requests.get() == 1);
  }

  @Test
  void aHandOffSendsGoAwayAndTheStreamUnderWayFinishes() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    FakeBackend app = closeLater(new FakeBackend("a"));
    app.handler = answersWhenReleased(release, ex -> "late");
    Proxy proxy = h2c(app, TestTransport.options());
    try (H2Wire h2 = new H2Wire(proxy.address())) {
      heldAtTheBackend(h2, app, "/slow");
      CompletableFuture<Integer> done = proxy.handOff(Duration.ofSeconds(30));
      H2Wire.Frame goAway = h2.untilGoAway();
      assertThat(goAway).isNotNull();
      assertThat(goAway.errorCode()).isZero(); // NO_ERROR
      release.countDown();
      H2Wire.Response r = h2.response(1);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("late");
      assertThat(h2.closedByServer()).isTrue();
      assertThat(done.get(20, TimeUnit.SECONDS)).as("connections cut").isZero();
    }
  }

  /**
   * RFC 9113 6.8: a client may have sent streams before the GOAWAY reached it. The first GOAWAY
   * names no last stream (2^31-1), so a stream the client opens meanwhile is still served; the
   * second, a round trip later, names the last stream taken.
   */
  @Test
  void aHandOffsGoAwayComesInTwoStepsSoAStreamTheClientSentMeanwhileIsServed() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    FakeBackend app = closeLater(new FakeBackend("a"));
    app.handler = answersWhenReleased(release, ex -> "for " + ex.getRequestURI());
    Proxy proxy = h2c(app, TestTransport.options());
    try (H2Wire h2 = new H2Wire(proxy.address())) {
      heldAtTheBackend(h2, app, "/first");
      CompletableFuture<Integer> done = proxy.handOff(Duration.ofSeconds(30));
      H2Wire.Frame first = h2.untilGoAway();
      assertThat(first).isNotNull();
      assertThat(first.errorCode()).isZero();
      assertThat(first.lastStream()).isEqualTo(Integer.MAX_VALUE);
      // sent before the client could have read the GOAWAY, as it would be over a real network
      h2.headers(3, H2Wire.get("/meanwhile"), true);
      H2Wire.Frame second = h2.untilGoAway();
      assertThat(second).isNotNull();
      assertThat(second.lastStream()).isEqualTo(3);
      release.countDown();
      H2Wire.Response r1 = h2.response(1);
      H2Wire.Response r3 = h2.response(3);
      assertThat(r1.status()).isEqualTo(200);
      assertThat(r1.body()).isEqualTo("for /first");
      assertThat(r3.status()).isEqualTo(200);
      assertThat(r3.body()).isEqualTo("for /meanwhile");
      assertThat(h2.closedByServer()).isTrue();
      assertThat(done.get(20, TimeUnit.SECONDS)).as("connections cut").isZero();
    }
  }

  @Test
  void aClientThatNeverAnswersTheGoAwaysPingGetsTheSecondGoAwayAnyway() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    FakeBackend app = closeLater(new FakeBackend("a"));
    app.handler = answersWhenReleased(release, ex -> "done");
    Proxy proxy = h2c(app, TestTransport.options());
    try (H2Wire h2 = new H2Wire(proxy.address())) {
      h2.answerPings = false;
      heldAtTheBackend(h2, app, "/slow");
      CompletableFuture<Integer> done = proxy.handOff(Duration.ofSeconds(30));
      assertThat(h2.untilGoAway().lastStream()).isEqualTo(Integer.MAX_VALUE);
      H2Wire.Frame second = h2.untilGoAway(); // after the round trip's allowance
      assertThat(second).isNotNull();
      assertThat(second.lastStream()).isEqualTo(1);
      release.countDown();
      assertThat(h2.response(1).body()).isEqualTo("done");
      assertThat(h2.closedByServer()).isTrue();
      assertThat(done.get(20, TimeUnit.SECONDS)).as("connections cut").isZero();
    }
  }

  @Test
  void aStreamStillRunningAtTheHandOffsDeadlineIsCutAndItsConnectionCounted() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    FakeBackend app = closeLater(new FakeBackend("a"));
    app.handler = answersWhenReleased(release, ex -> "too late");
    Proxy proxy = h2c(app, TestTransport.options());
    try (H2Wire h2 = new H2Wire(proxy.address())) {
      heldAtTheBackend(h2, app, "/never");
      CompletableFuture<Integer> done = proxy.handOff(Duration.ofMillis(500));
      assertThat(done.get(20, TimeUnit.SECONDS)).as("connections cut").isEqualTo(1);
      assertThat(h2.closedByServer()).isTrue();
      // released as the connection's close reaches its handler: on epoll, after the count
      await().atMost(Duration.ofSeconds(10))
          .until(() -> proxy.pool().backends().get(0).inFlight() == 0);
    } finally {
      release.countDown();
    }
  }

  @Test
  void anIdleConnectionIsEndedWithGoAway() throws Exception {
    FakeBackend app = closeLater(new FakeBackend("a"));
    Proxy proxy = h2c(app, TestTransport.options().withIdleTimeout(Duration.ofSeconds(1)));
    try (H2Wire h2 = new H2Wire(proxy.address())) {
      h2.headers(1, H2Wire.get("/x"), true);
      assertThat(h2.response(1).status()).isEqualTo(200);
      H2Wire.Frame goAway = h2.untilGoAway();
      assertThat(goAway).isNotNull();
      assertThat(goAway.errorCode()).isZero();
      assertThat(h2.closedByServer()).isTrue();
    }
  }

  /** A backend handler that holds each request until {@code release}, then answers {@code body}. */
  private static FakeBackend.Handler answersWhenReleased(CountDownLatch release,
      java.util.function.Function<com.sun.net.httpserver.HttpExchange, String> body) {
    return ex -> {
      try {
        release.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      byte[] b = body.apply(ex).getBytes(StandardCharsets.US_ASCII);
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    };
  }

  private static String sha(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

}
