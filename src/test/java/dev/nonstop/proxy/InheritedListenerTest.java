package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Health;
import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.unix.FileDescriptor;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy serves on a listening socket it was given as a file descriptor (a takeover, systemd's
 * socket activation) instead of binding one, and refuses a descriptor that is no such socket with a
 * message that names it.
 */
class InheritedListenerTest {
  private FakeBackend app;

  @BeforeEach
  void start() throws Exception {
    app = new FakeBackend("app");
  }

  @AfterEach
  void stop() {
    app.close();
  }

  private Pool pool() {
    return Pool.of(Selector.roundRobin(), List.of(app.backend()));
  }

  /** The fd tests run where the proxy may use an inherited socket: not on NIO. */
  private static void notOnNio() {
    assumeThat(TestTransport.KIND).isNotEqualTo(TransportKind.NIO);
  }

  @Test
  void servesRequestsOnAListeningSocketItWasGiven() throws Exception {
    notOnNio();
    LinuxSocket socket = Descriptors.listening();
    InetSocketAddress bound = socket.localAddress();
    try (Proxy proxy = Proxy.start(TestTransport.options().withInheritedFd(socket.intValue()),
        pool())) {
      assertThat(proxy.address()).isEqualTo(bound);
      assertThat(proxy.transport()).isEqualTo(TransportKind.EPOLL); // io_uring cannot wrap an fd
      assertThat(proxy.listenerFd()).isEqualTo(socket.intValue());
      for (int i = 0; i < 3; i++) {
        try (RawClient c = new RawClient(bound)) {
          RawClient.Response r = c.get("/" + i);
          assertThat(r.status()).isEqualTo(200);
          assertThat(r.body()).isEqualTo("app GET /" + i + " 0");
          assertThat(c.get("/again").status()).isEqualTo(200); // keep-alive on the child
        }
      }
    } // the proxy owned the descriptor and closed it
  }

  @Test
  void aConnectionQueuedBeforeTheProxyStartedIsServed() throws Exception {
    notOnNio();
    LinuxSocket socket = Descriptors.listening();
    // The kernel completes the handshake for a listening socket: the request waits in its queue.
    try (RawClient early = new RawClient(socket.localAddress())) {
      early.send("GET /early HTTP/1.1\r\nHost: t\r\n\r\n");
      try (Proxy proxy = Proxy.start(
          TestTransport.options().withInheritedFd(socket.intValue()), pool())) {
        assertThat(early.read().body()).isEqualTo("app GET /early 0");
      }
    }
  }

  @Test
  void theConnectionLimitStillPausesAcceptsOnAnInheritedSocket() throws Exception {
    notOnNio();
    LinuxSocket socket = Descriptors.listening();
    try (Proxy proxy = Proxy.start(TestTransport.options()
            .withLimits(Limits.DEFAULT.withMaxConnections(1))
            .withInheritedFd(socket.intValue()), pool());
        RawClient first = new RawClient(proxy.address());
        RawClient second = new RawClient(proxy.address())) {
      assertThat(first.get("/").status()).isEqualTo(200);
      second.send("GET /second HTTP/1.1\r\nHost: t\r\n\r\n"); // waits in the kernel's queue
      assertThat(second.socket.getInputStream().available()).isZero();
      first.close();
      assertThat(second.read().body()).isEqualTo("app GET /second 0");
    }
  }

  @Test
  void refusesADescriptorThatIsNotOpen() {
    notOnNio();
    assertThatThrownBy(() -> Proxy.start(TestTransport.options().withInheritedFd(999_999), pool()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fd 999999")
        .hasMessageContaining("expected: a listening TCP socket");
  }

  @Test
  void refusesAFile(@TempDir Path dir) throws Exception {
    notOnNio();
    Path file = Files.writeString(dir.resolve("not-a-socket"), "x");
    FileDescriptor fd = FileDescriptor.from(file.toFile());
    try {
      assertThatThrownBy(() -> Proxy.start(
          TestTransport.options().withInheritedFd(fd.intValue()), pool()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("fd " + fd.intValue())
          .hasMessageContaining("not a socket");
      assertThat(fd.isOpen()).isTrue(); // not the proxy's to close
    } finally {
      fd.close();
    }
  }

  @Test
  void refusesATcpSocketThatDoesNotListen() throws Exception {
    notOnNio();
    LinuxSocket socket = LinuxSocket.newSocketStream(false);
    try {
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      assertThatThrownBy(() -> Proxy.start(
          TestTransport.options().withInheritedFd(socket.intValue()), pool()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("fd " + socket.intValue())
          .hasMessageContaining("does not listen");
    } finally {
      socket.close();
    }
  }

  @Test
  void refusesAUdpSocket() throws Exception {
    notOnNio();
    LinuxSocket socket = LinuxSocket.newSocketDgram(false);
    try {
      assertThatThrownBy(() -> Proxy.start(
          TestTransport.options().withInheritedFd(socket.intValue()), pool()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("fd " + socket.intValue())
          .hasMessageContaining("datagram");
    } finally {
      socket.close();
    }
  }

  @Test
  void refusesNioForAnInheritedSocket() throws Exception {
    LinuxSocket socket = Descriptors.listening();
    try {
      assertThatThrownBy(() -> Proxy.start(TestTransport.options()
          .withTransport(TransportKind.NIO).withInheritedFd(socket.intValue()), pool()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("fd " + socket.intValue())
          .hasMessageContaining("expected: epoll, io_uring or auto");
      assertThat(socket.isOpen()).isTrue();
    } finally {
      socket.close();
    }
  }

  @Test
  void refusesANegativeDescriptorOtherThanNone() {
    assertThatThrownBy(() -> TestTransport.options().withInheritedFd(-2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("inheritedFd: -2 (expected: -1 for none, or >= 0)");
    assertThat(TestTransport.options().inheritedFd()).isEqualTo(-1);
  }

  @Test
  void listenerFdIsTheSocketItBoundOnANativeTransport() throws Exception {
    try (Proxy proxy = Proxy.start(TestTransport.options(), pool())) {
      if (proxy.transport() == TransportKind.NIO) {
        assertThatThrownBy(proxy::listenerFd)
            .isInstanceOf(UnsupportedOperationException.class)
            .hasMessageContaining("nio");
        return;
      }
      int fd = proxy.listenerFd();
      assertThat(new io.netty.channel.unix.Socket(fd).localAddress()).isEqualTo(proxy.address());
    }
  }

  /**
   * Under Debian's {@code systemd-socket-activate}, which binds the socket, waits for the first
   * connection and then runs the proxy with it as fd 3 (LISTEN_FDS=1) in blocking mode, as systemd
   * passes sockets unless told NonBlocking=yes.
   */
  @Test
  void servesASocketPassedBySystemdSocketActivation() throws Exception {
    notOnNio();
    Path activate = Path.of("/usr/bin/systemd-socket-activate");
    assumeThat(Files.isExecutable(activate)).isTrue();
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    InetSocketAddress backend = app.server.getAddress();
    Process p = new ProcessBuilder(activate.toString(), "-l", "127.0.0.1:" + port, java,
        "-da:io.netty...", "-cp", System.getProperty("java.class.path"),
        Activated.class.getName(), backend.getHostString() + ":" + backend.getPort(),
        TestTransport.KIND.toString())
        .redirectErrorStream(true).start();
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(
          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String l;
        while ((l = out.readLine()) != null) {
          lines.add(l);
        }
      } catch (Exception e) {
        // the process ended
      }
    });
    reader.setDaemon(true);
    reader.start();
    try {
      await().atMost(Duration.ofSeconds(10))
          .until(() -> lines.stream().anyMatch(l -> l.contains("Listening on")));
      InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
      try (RawClient first = new RawClient(address)) { // starts the proxy, then waits for it
        first.socket.setSoTimeout(30_000);
        assertThat(first.get("/first").body()).isEqualTo("app GET /first 0");
      }
      for (int i = 0; i < 5; i++) {
        try (RawClient c = new RawClient(address)) {
          assertThat(c.get("/" + i).status()).isEqualTo(200);
        }
      }
      assertThat(lines).anyMatch(l -> l.contains("proxy listening on /127.0.0.1:" + port));
      assertThat(lines).anyMatch(l -> l.contains("blocking"));
    } finally {
      p.destroy();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  /** The proxy as a socket-activated service: fd 3 when LISTEN_FDS=1 names this process. */
  public static final class Activated {
    public static void main(String[] args) {
      String fds = System.getenv("LISTEN_FDS");
      String pid = System.getenv("LISTEN_PID");
      if (!"1".equals(fds) || !String.valueOf(ProcessHandle.current().pid()).equals(pid)) {
        System.err.println("expected LISTEN_FDS=1 for this process, got " + fds + " for " + pid);
        System.exit(2);
      }
      String[] backend = args[0].split(":");
      Backend b = new Backend(
          new InetSocketAddress(backend[0], Integer.parseInt(backend[1])), "app", Health.UP);
      Proxy.start(ProxyOptions.defaults(new InetSocketAddress("127.0.0.1", 0))
              .withTransport(TransportKind.parse(args[1])).withInheritedFd(3),
          Pool.of(Selector.roundRobin(), List.of(b)));
    }
  }
}
