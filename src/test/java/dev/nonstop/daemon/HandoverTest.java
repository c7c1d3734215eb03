package dev.nonstop.daemon;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nonstop.daemon.Handover.Failure;
import dev.nonstop.daemon.Handover.Listener;
import dev.nonstop.daemon.Handover.Offer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A takeover over a real Unix socket, in one JVM: the "old daemon" is a {@link FakeHost} whose
 * listener is a real TCP socket, the newcomer is {@link Handover#request}.
 */
class HandoverTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  /** How long the server waits for each step of a newcomer: ample on a busy machine. */
  private static final Duration STEP = Duration.ofSeconds(5);
  /** A step the newcomer is meant to miss. */
  private static final Duration SHORT_STEP = Duration.ofSeconds(1);

  @TempDir Path dir;
  private final EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private Path socket() {
    return dir.resolve("handover.sock");
  }

  @Test
  void theNewcomerAcceptsOnTheReceivedSocketAfterTheOldListenerIsClosed() throws Exception {
    Channel old = listen("old");
    int port = ((InetSocketAddress) old.localAddress()).getPort();
    FakeHost host = new FakeHost(Offer.of(List.of(new Listener("listen", fd(old)))));
    opened(Handover.serve(socket(), host, STEP));

    Takeover takeover = opened(Handover.request(socket(), WAIT));
    int received = takeover.fd("listen");
    assertThat(received).isNotEqualTo(fd(old));
    assertThat(greeting(port)).isEqualTo("old");
    old.close().sync();

    adopt(received, "new");
    assertThat(greeting(port)).isEqualTo("new");
    assertThat(host.events).containsExactly("prepare " + ProcessHandle.current().pid());
  }

  @Test
  void severalSocketsArriveByNameInTheOfferedOrder() throws Exception {
    Channel web = listen("web");
    Channel admin = listen("admin");
    FakeHost host = new FakeHost(Offer.of(List.of(new Listener("listen", fd(web)), new Listener("admin", fd(admin)))));
    opened(Handover.serve(socket(), host, STEP));

    Takeover takeover = opened(Handover.request(socket(), WAIT));

    assertThat(takeover.listeners()).extracting(Listener::name).containsExactly("listen", "admin");
    assertThat(takeover.pid()).isEqualTo(ProcessHandle.current().pid());
    int adminPort = ((InetSocketAddress) admin.localAddress()).getPort();
    admin.close().sync();
    adopt(takeover.fd("admin"), "admin again");
    assertThat(greeting(adminPort)).isEqualTo("admin again");
    assertThatThrownBy(() -> takeover.fd("metrics")).hasMessageContaining("listen, admin");
  }

  @Test
  void aRefusalReachesTheNewcomerAsTheFailureMessage() throws Exception {
    FakeHost host = new FakeHost(Offer.refused("deploy #7 is running: wait for it or abort it"));
    opened(Handover.serve(socket(), host, STEP));

    assertThatThrownBy(() -> Handover.request(socket(), WAIT))
        .isInstanceOfSatisfying(Failure.class, f -> assertThat(f.kind()).isEqualTo(Failure.Kind.REFUSED))
        .hasMessage("deploy #7 is running: wait for it or abort it");
    assertThat(host.events).containsExactly("prepare " + ProcessHandle.current().pid());
  }

  @Test
  void aNewcomerThatClosesBeforeServingMakesTheHostResume() throws Exception {
    FakeHost host = new FakeHost(Offer.of(List.of(new Listener("listen", fd(listen("old"))))));
    opened(Handover.serve(socket(), host, STEP));

    Handover.request(socket(), WAIT).close();

    assertThat(host.next()).startsWith("prepare");
    assertThat(host.next()).isEqualTo("resume");
  }

  @Test
  void servingMakesTheHostHandOverAndTheNewcomerLearnsOfTheExitByEndOfFile() throws Exception {
    FakeHost host = new FakeHost(Offer.of(List.of(new Listener("listen", fd(listen("old"))))));
    HandoverServer server = opened(Handover.serve(socket(), host, STEP));
    Takeover takeover = opened(Handover.request(socket(), WAIT));

    takeover.serving();

    assertThat(host.events).containsExactly("prepare " + ProcessHandle.current().pid(), "handOver");
    assertThat(socket()).as("the old daemon no longer offers takeovers").doesNotExist();
    assertThat(takeover.awaitExit(Duration.ofMillis(100))).as("exited while still draining").isFalse();
    server.close(); // the last thing the old daemon does before it exits
    assertThat(takeover.awaitExit(WAIT)).isTrue();
  }

  @Test
  void afterServingTheNewcomerServesTakeoversOnTheSameFile() throws Exception {
    FakeHost old = new FakeHost(Offer.of(List.of(new Listener("listen", fd(listen("old"))))));
    opened(Handover.serve(socket(), old, STEP));
    Takeover takeover = opened(Handover.request(socket(), WAIT));
    takeover.serving();

    FakeHost next = new FakeHost(Offer.refused("not yet"));
    opened(Handover.serve(socket(), next, STEP));

    assertThatThrownBy(() -> Handover.request(socket(), WAIT)).hasMessage("not yet");
    assertThat(old.events).containsExactly("prepare " + ProcessHandle.current().pid(), "handOver");
  }

  @Test
  void aSecondNewcomerIsRefusedWhileATakeoverIsUnderWay() throws Exception {
    FakeHost host = new FakeHost(Offer.of(List.of(new Listener("listen", fd(listen("old"))))));
    opened(Handover.serve(socket(), host, STEP));
    Takeover first = opened(Handover.request(socket(), WAIT));

    assertThatThrownBy(() -> Handover.request(socket(), WAIT))
        .isInstanceOfSatisfying(Failure.class, f -> assertThat(f.kind()).isEqualTo(Failure.Kind.REFUSED))
        .hasMessageContaining("another nonstop up (pid " + ProcessHandle.current().pid() + ") is taking over");

    first.close();
    assertThat(host.next()).startsWith("prepare");
    assertThat(host.next()).isEqualTo("resume");
    opened(Handover.request(socket(), WAIT)).serving();
    assertThat(host.events).containsExactly("prepare " + ProcessHandle.current().pid(), "handOver");
  }

  @Test
  void aNewcomerThatNeverSaysServingIsGivenUpAndTheHostResumes() throws Exception {
    FakeHost host = new FakeHost(Offer.of(List.of(new Listener("listen", fd(listen("old"))))));
    opened(Handover.serve(socket(), host, SHORT_STEP));
    Takeover takeover = opened(Handover.request(socket(), WAIT));

    assertThat(host.next()).startsWith("prepare");
    assertThat(host.next()).isEqualTo("resume");
    assertThatThrownBy(takeover::serving)
        .isInstanceOfSatisfying(Failure.class, f -> assertThat(f.kind()).isEqualTo(Failure.Kind.REFUSED))
        .hasMessageContaining("did not say it serves within");
  }

  @Test
  void aNewcomerThatNeverAsksForTheSocketsIsClosedWithoutAWordAndTheHostResumes() throws Exception {
    FakeHost host = new FakeHost(Offer.of(List.of(new Listener("listen", fd(listen("old"))))));
    opened(Handover.serve(socket(), host, SHORT_STEP));

    try (SocketChannel stuck = connect(socket())) {
      stuck.write(ByteBuffer.wrap("TAKEOVER 1\n".getBytes(UTF_8)));
      assertThat(readToEnd(stuck)).as("nothing but the offer: it may read descriptors already")
          .isEqualTo("OFFER listen\n");
    }

    assertThat(host.next()).startsWith("prepare");
    assertThat(host.next()).isEqualTo("resume");
  }

  @Test
  void aPeerThatSaysNothingIsClosedAfterTheTimeoutAndTheServerServesOn() throws Exception {
    FakeHost host = new FakeHost(Offer.refused("still here"));
    opened(Handover.serve(socket(), host, SHORT_STEP));

    try (SocketChannel silent = connect(socket())) {
      assertThat(readToEnd(silent)).isEmpty();
    }

    assertThatThrownBy(() -> Handover.request(socket(), WAIT)).hasMessage("still here");
    assertThat(host.events).hasSize(1);
  }

  @Test
  void aPeerThatSendsGarbageIsClosedAndTheServerServesOn() throws Exception {
    FakeHost host = new FakeHost(Offer.refused("still here"));
    opened(Handover.serve(socket(), host, STEP));

    try (SocketChannel rude = connect(socket())) {
      rude.write(ByteBuffer.wrap("GET / HTTP/1.1\r\n\r\n".getBytes(UTF_8)));
      assertThat(readToEnd(rude)).startsWith("REFUSED expected \"TAKEOVER 1\"");
    }
    try (SocketChannel endless = connect(socket())) {
      endless.write(ByteBuffer.wrap(new byte[64 * 1024])); // no line end, ever
      assertThat(readToEnd(endless)).doesNotContain("OFFER");
    }

    assertThatThrownBy(() -> Handover.request(socket(), WAIT)).hasMessage("still here");
    assertThat(host.events).hasSize(1);
  }

  @Test
  void aServerThatNeverAnswersMakesTheRequestTimeOut() throws Exception {
    try (ServerSocketChannel mute = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      mute.bind(UnixDomainSocketAddress.of(socket()));

      long start = System.nanoTime();
      assertThatThrownBy(() -> Handover.request(socket(), Duration.ofMillis(300)))
          .isInstanceOfSatisfying(Failure.class, f -> assertThat(f.kind()).isEqualTo(Failure.Kind.TIMEOUT))
          .hasMessageContaining(socket().toString()).hasMessageContaining("PT0.3S");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(WAIT);
    }
  }

  @Test
  void withoutASocketFileTheNewcomerIsToldNoDaemonAnswers() {
    assertThatThrownBy(() -> Handover.request(socket(), WAIT))
        .isInstanceOfSatisfying(Failure.class, f -> assertThat(f.kind()).isEqualTo(Failure.Kind.NO_DAEMON))
        .hasMessageStartingWith("no daemon answers on " + socket());
  }

  @Test
  void aStaleSocketFileIsReplaced() throws Exception {
    try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(socket())); // closing it leaves the file behind
    }
    assertThatThrownBy(() -> Handover.request(socket(), WAIT))
        .isInstanceOfSatisfying(Failure.class, f -> assertThat(f.kind()).isEqualTo(Failure.Kind.NO_DAEMON));

    opened(Handover.serve(socket(), new FakeHost(Offer.refused("alive")), STEP));

    assertThatThrownBy(() -> Handover.request(socket(), WAIT)).hasMessage("alive");
  }

  @Test
  void aLiveDaemonsSocketFileIsNeverTaken() throws Exception {
    FakeHost first = new FakeHost(Offer.refused("first"));
    opened(Handover.serve(socket(), first, STEP));

    assertThatThrownBy(() -> Handover.serve(socket(), new FakeHost(Offer.refused("second")), STEP))
        .isInstanceOf(IOException.class).hasMessageContaining("already answers on " + socket());

    assertThatThrownBy(() -> Handover.request(socket(), WAIT)).hasMessage("first");
  }

  @Test
  void somethingElseAtTheSocketPathIsLeftAlone() throws Exception {
    Files.writeString(socket(), "not a socket");

    assertThatThrownBy(() -> Handover.serve(socket(), new FakeHost(Offer.refused("x")), STEP))
        .isInstanceOf(IOException.class).hasMessageContaining("is not a socket");
    assertThat(socket()).hasContent("not a socket");
  }

  @Test
  void theSocketFileIsForItsOwnerOnly() throws Exception {
    opened(Handover.serve(socket(), new FakeHost(Offer.refused("x")), STEP));

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket(), LinkOption.NOFOLLOW_LINKS)))
        .isEqualTo("rw-------");
  }

  @Test
  void closingTheServerRemovesItsSocketFile() throws Exception {
    Handover.serve(socket(), new FakeHost(Offer.refused("x")), STEP).close();

    assertThat(socket()).doesNotExist();
  }

  // ---- the old daemon's listeners, the newcomer's adoption, raw peers ----

  /** A TCP listener on 127.0.0.1:0 whose accepted connections are greeted with {@code name}. */
  private Channel listen(String name) throws InterruptedException {
    Channel ch = new ServerBootstrap().group(loops).channel(EpollServerSocketChannel.class)
        .childHandler(greeter(name)).bind("127.0.0.1", 0).sync().channel();
    open.add(() -> ch.close().sync());
    return ch;
  }

  /** Accepts on a received listening descriptor, as the newcomer's proxy will. */
  private void adopt(int fd, String name) throws InterruptedException {
    Channel ch = new ServerBootstrap().group(loops).channelFactory(() -> new EpollServerSocketChannel(fd))
        .childHandler(greeter(name)).register().sync().channel();
    open.add(() -> ch.close().sync());
  }

  private static int fd(Channel listener) {
    return ((EpollServerSocketChannel) listener).fd().intValue();
  }

  private static ChannelInboundHandlerAdapter greeter(String name) {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public boolean isSharable() {
        return true; // holds nothing: one greeter serves every accepted connection
      }

      @Override
      public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(Unpooled.copiedBuffer(name + "\n", UTF_8)).addListener(ChannelFutureListener.CLOSE);
      }
    };
  }

  /** The line a fresh TCP connection to {@code port} is greeted with. */
  private static String greeting(int port) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout((int) WAIT.toMillis());
      return new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8)).readLine();
    }
  }

  private static SocketChannel connect(Path file) throws IOException {
    return SocketChannel.open(UnixDomainSocketAddress.of(file));
  }

  /** All {@code ch} receives until the other end closes; fails the test if that takes longer than {@link #WAIT}. */
  private static String readToEnd(SocketChannel ch) throws Exception {
    CompletableFuture<String> all = CompletableFuture.supplyAsync(() -> {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try {
        Channels.newInputStream(ch).transferTo(out);
      } catch (IOException e) {
        // reset by the peer: what arrived before counts
      }
      return out.toString(UTF_8);
    });
    return all.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private <T extends AutoCloseable> T opened(T resource) {
    open.add(resource);
    return resource;
  }

  /** The old daemon: answers with a fixed offer and records what the handover asked of it. */
  private static final class FakeHost implements Handover.Host {
    final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    private final Offer offer;

    FakeHost(Offer offer) {
      this.offer = offer;
    }

    @Override
    public Offer prepare(long newcomerPid) {
      events.add("prepare " + newcomerPid);
      return offer;
    }

    @Override
    public void resume() {
      events.add("resume");
    }

    @Override
    public void handOver() {
      events.add("handOver");
    }

    /** The next call, taken off {@link #events}; fails the test if none comes within {@link #WAIT}. */
    String next() throws InterruptedException {
      String e = events.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(e).as("the host's next call").isNotNull();
      return e;
    }
  }
}
