package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Memory a flood of clients can make the proxy hold: bounded per connection (a pipelining client
 * is read one read ahead), bounded in all (new requests get 503 while buffer memory is short), and
 * if memory runs out anyway the process ends with one clear line instead of living on deaf. The
 * flood cases run the proxy in its own JVM with a few MiB of direct memory.
 */
class MemoryBoundTest {
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    threads.shutdownNow();
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closeLater(T c) {
    closing.add(c);
    return c;
  }

  /** Answers every request but {@code /hang}, which it reads and never answers. */
  private SocketBackend hangingBackend() throws IOException {
    return closeLater(new SocketBackend((socket, b) -> {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      String head;
      while ((head = b.readRequest(in)) != null) {
        if (head.startsWith("GET /hang ")) {
          in.transferTo(OutputStream.nullOutputStream()); // until the proxy closes it
          return;
        }
        out.write(SocketBackend.ok("ok"));
        out.flush();
      }
    }));
  }

  private static String address(SocketBackend b) {
    return "127.0.0.1:" + b.server.getLocalPort();
  }

  @Test
  void aPipeliningFloodLeavesTheProxyServing() throws Exception {
    SocketBackend backend = hangingBackend();
    // 100 connections offer 50 MiB of pipelined bodies to a proxy with 16 MiB of direct memory.
    ProxyJvm proxy = closeLater(new ProxyJvm(address(backend), 0,
        List.of("-Xmx64m", "-XX:MaxDirectMemorySize=16m")));
    String post = "POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 16384\r\n\r\n" + "p".repeat(16384);
    byte[] flood = ("GET /hang HTTP/1.1\r\nHost: t\r\n\r\n" + post.repeat(31))
        .getBytes(StandardCharsets.ISO_8859_1);
    for (int i = 0; i < 100; i++) {
      Socket s = closeLater(new Socket(proxy.address().getAddress(), proxy.address().getPort()));
      threads.execute(() -> {
        try {
          s.getOutputStream().write(flood); // blocks once the proxy stops reading
        } catch (IOException e) {
          // closed at the end of the test
        }
      });
    }
    await("every flooding connection has its first request at the backend")
        .atMost(Duration.ofSeconds(30)).until(() -> backend.requests.get() >= 100);

    await("a normal request is answered during the flood").atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> {
          try (RawClient c = new RawClient(proxy.address())) {
            assertThat(c.get("/ok").status()).isEqualTo(200);
          }
        });
    assertThat(proxy.process.isAlive()).isTrue();
    assertThat(proxy.count("OutOfMemoryError")).isZero();
  }

  @Test
  void runningOutOfDirectMemoryAnywayEndsTheProcessWithOneClearLine() throws Exception {
    // Backends pour 8 MiB responses that no client reads; the 503 bound is set out of reach.
    SocketBackend backend = closeLater(new SocketBackend((socket, b) -> {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      while (b.readRequest(in) != null) {
        out.write("HTTP/1.1 200 OK\r\nContent-Length: 8388608\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1));
        byte[] chunk = new byte[64 * 1024];
        for (int sent = 0; sent < 8 << 20; sent += chunk.length) {
          out.write(chunk);
        }
        out.flush();
      }
    }));
    ProxyJvm proxy = closeLater(new ProxyJvm(address(backend), 0,
        List.of("-Xmx64m", "-XX:MaxDirectMemorySize=2m"), "--max-buffer-memory", "1GiB"));
    for (int i = 0; i < 100 && proxy.process.isAlive(); i++) {
      Socket s = closeLater(new Socket(proxy.address().getAddress(), proxy.address().getPort()));
      s.setReceiveBufferSize(4096);
      s.getOutputStream().write("GET /big HTTP/1.1\r\nHost: t\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1));
    }
    assertThat(proxy.process.waitFor(30, TimeUnit.SECONDS)).as("the proxy exited").isTrue();
    assertThat(proxy.process.exitValue()).isEqualTo(Fatal.EXIT_STATUS);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(proxy.lines())
        .as("the proxy's output: " + String.join("\n", proxy.lines())).last().asString().contains("fatal: out of memory"));
  }

  @Test
  void whileBufferMemoryIsShortNewRequestsGet503AndTheOnesUnderWayFinish() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    FakeBackend app = closeLater(new FakeBackend("a"));
    app.handler = ex -> {
      if (ex.getRequestURI().getPath().equals("/slow")) {
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      byte[] body = ex.getRequestURI().getPath().getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    };
    Proxy proxy = closeLater(Proxy.start(TestTransport.options(),
        Pool.of(Selector.roundRobin(), List.of(app.backend()))));
    RawClient slow = closeLater(new RawClient(proxy.address()));
    slow.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
    await().atMost(Duration.ofSeconds(5)).until(() -> app.requests.get() == 1);

    proxy.memory.measureWith(() -> proxy.memory.limit() + 1);
    try (RawClient c = new RawClient(proxy.address())) {
      RawClient.Response r = c.get("/new");
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.header("Retry-After")).isEqualTo("1");
      assertThat(r.header("Connection")).isEqualTo("close");
      assertThat(r.body()).contains("short of buffer memory");
    }
    release.countDown();
    RawClient.Response underWay = slow.read();
    assertThat(underWay.status()).isEqualTo(200);
    assertThat(underWay.body()).isEqualTo("/slow");

    proxy.memory.measureWith(() -> 0);
    try (RawClient c = new RawClient(proxy.address())) {
      assertThat(c.get("/later").body()).isEqualTo("/later");
    }
    assertThat(app.requests.get()).isEqualTo(2);
  }
}
