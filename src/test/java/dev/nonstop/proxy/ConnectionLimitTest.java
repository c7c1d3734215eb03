package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Client connections past the limit wait in the kernel's backlog, and a proxy that runs out of
 * file descriptors anyway pauses its accepts, says so once, and serves again when some close. The
 * descriptor cases run the proxy in its own JVM under {@code ulimit -n 200}, started like the CLI.
 */
class ConnectionLimitTest {
  private static final int FD_LIMIT = 200;
  private static final int IDLE_CLIENTS = 300;
  private static final Pattern LIMIT =
      Pattern.compile("at most (\\d+) client connections \\(fd limit (\\d+)\\)");

  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    Collections.reverse(closing);
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  @Test
  void aConnectionPastTheLimitWaitsUntilAnotherCloses() throws Exception {
    FakeBackend app = closeLater(new FakeBackend("a"));
    Proxy proxy = closeLater(Proxy.start(
        TestTransport.options().withLimits(Limits.DEFAULT.withMaxConnections(5)),
        Pool.of(Selector.roundRobin(), List.of(app.backend()))));
    List<RawClient> served = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      RawClient c = closeLater(new RawClient(proxy.address()));
      assertThat(c.get("/" + i).status()).isEqualTo(200); // accepted, now idle
      served.add(c);
    }

    RawClient sixth = closeLater(new RawClient(proxy.address())); // the kernel's backlog took it
    sixth.send("GET /6 HTTP/1.1\r\nHost: test\r\n\r\n");
    sixth.socket.setSoTimeout(500);
    assertThatThrownBy(sixth::read).isInstanceOf(SocketTimeoutException.class);

    served.get(0).close();
    sixth.socket.setSoTimeout(10_000);
    RawClient.Response r = sixth.read();
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("a GET /6 0");
  }

  @Test
  void runningOutOfDescriptorsIsReportedOnceAndServingResumesWhenTheyFree() throws Exception {
    FakeBackend app = closeLater(new FakeBackend("a"));
    ProxyJvm log = startOwnJvm(app, "--max-connections", "1000");
    List<Socket> idle = connect(log.address(), IDLE_CLIENTS);

    await("the proxy runs out of descriptors").atMost(Duration.ofSeconds(10))
        .until(() -> log.count("Too many open files") > 0);
    // Out of descriptors, the proxy retries its accepts every 100 ms: three seconds of that must
    // leave a short log: no stack trace, the refusals reported in one line.
    await("a quiet log while out of descriptors")
        .during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
        .until(() -> log.total() < 100 && log.count("\tat ") == 0
            && log.count("Too many open files") == 1);

    for (Socket s : idle) {
      s.close();
    }
    await("served again").atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      try (RawClient c = new RawClient(log.address())) {
        assertThat(c.get("/again").status()).isEqualTo(200);
      }
    });
    assertThat(log.total()).isLessThan(100);
  }

  @Test
  void theDerivedLimitLeavesDescriptorsForBackendConnections() throws Exception {
    FakeBackend app = closeLater(new FakeBackend("a"));
    ProxyJvm log = startOwnJvm(app);
    Matcher limit = log.first(LIMIT);
    assertThat(limit).as("the limit is logged at start").isNotNull();
    assertThat(limit.group(2)).isEqualTo(Integer.toString(FD_LIMIT));
    assertThat(Integer.parseInt(limit.group(1))).isBetween(1, FD_LIMIT / 2);

    RawClient first = closeLater(new RawClient(log.address()));
    List<Socket> idle = connect(log.address(), IDLE_CLIENTS - 1);
    await("the proxy reaches its limit").atMost(Duration.ofSeconds(10))
        .until(() -> log.count("at the limit of") > 0);
    // At the limit an accepted client still gets a backend connection: descriptors were kept.
    RawClient.Response r = first.get("/while-full");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("a GET /while-full 0");
    assertThat(log.count("Too many open files")).isZero();

    first.close();
    for (Socket s : idle) {
      s.close();
    }
    await("served once the others closed").atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      try (RawClient c = new RawClient(log.address())) {
        assertThat(c.get("/after").status()).isEqualTo(200);
      }
    });
    assertThat(log.count("Too many open files")).isZero();
    assertThat(log.total()).isLessThan(100);
  }

  private <T extends AutoCloseable> T closeLater(T c) {
    closing.add(c);
    return c;
  }

  private List<Socket> connect(InetSocketAddress address, int n) throws IOException {
    List<Socket> sockets = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      sockets.add(closeLater(new Socket(address.getAddress(), address.getPort())));
    }
    return sockets;
  }

  /** {@code nonstop proxy} in front of {@code app}, in its own JVM under the low fd limit. */
  private ProxyJvm startOwnJvm(FakeBackend app, String... args) throws Exception {
    return closeLater(new ProxyJvm("127.0.0.1:" + app.server.getAddress().getPort(), FD_LIMIT,
        List.of("-Xmx128m"), args));
  }
}
