package dev.nonstop.daemon;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What systemd would read from its notify socket: a real Unix datagram socket, bound here. */
class SystemdNotifyTest {
  @TempDir Path dir;

  private EventLoopGroup group;
  private final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();

  @BeforeEach
  void group() {
    assumeTrue(Epoll.isAvailable(), "Netty's native epoll transport is unavailable here");
    group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
  }

  @AfterEach
  void shutDown() {
    if (group != null) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  @Test
  void theStateArrivesAsOneDatagramOnASocketPath() throws Exception {
    Path socket = dir.resolve("notify");
    Channel systemd = listen(socket.toString());

    assertThat(SystemdNotify.send(Map.of("NOTIFY_SOCKET", socket.toString()), "MAINPID=123\nREADY=1")).isTrue();

    assertThat(next()).isEqualTo("MAINPID=123\nREADY=1".getBytes(UTF_8));
    systemd.close().sync();
  }

  @Test
  void anAtSignNamesTheAbstractNamespace() throws Exception {
    String name = "nonstop-notify-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    Channel systemd = listen("\0" + name);

    assertThat(SystemdNotify.send(Map.of("NOTIFY_SOCKET", "@" + name), "READY=1")).isTrue();
    assertThat(SystemdNotify.send(Map.of("NOTIFY_SOCKET", "@" + name), "STATUS=serving")).isTrue();

    assertThat(next()).isEqualTo("READY=1".getBytes(UTF_8));
    assertThat(next()).isEqualTo("STATUS=serving".getBytes(UTF_8));
    systemd.close().sync();
  }

  @Test
  void theProcessEnvironmentIsReadWhenNoneIsGiven() {
    assumeTrue(System.getenv("NOTIFY_SOCKET") == null, "this test itself runs under a notifying service");

    assertThat(SystemdNotify.send("READY=1")).isFalse();
  }

  @Test
  void withoutNotifySocketNothingIsSent() {
    assertThat(SystemdNotify.send(Map.of(), "READY=1")).isFalse();
    assertThat(SystemdNotify.send(Map.of("NOTIFY_SOCKET", ""), "READY=1")).isFalse();
  }

  @Test
  void aSocketNobodyListensOnIsFalseNotAnException() throws Exception {
    Path closed = dir.resolve("closed");
    listen(closed.toString()).close().sync(); // the file stays; nobody reads it: ECONNREFUSED
    Path file = Files.writeString(dir.resolve("file"), "not a socket");

    for (String name : new String[] {dir.resolve("nowhere").toString(), closed.toString(), file.toString(),
        "@nonstop-nobody-" + System.nanoTime(), "relative/path", "@", "/" + "x".repeat(200)}) {
      assertThatCode(() -> assertThat(SystemdNotify.send(Map.of("NOTIFY_SOCKET", name), "READY=1"))
          .as(name).isFalse()).doesNotThrowAnyException();
    }
    assertThat(received).isEmpty();
  }

  /** A Unix datagram socket bound to {@code address}, which queues the payload of each datagram it receives. */
  private Channel listen(String address) throws InterruptedException {
    return new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
        .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
          @Override
          protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket packet) {
            received.add(ByteBufUtil.getBytes(packet.content()));
          }
        })
        .bind(new DomainSocketAddress(address)).sync().channel();
  }

  private byte[] next() throws InterruptedException {
    byte[] datagram = received.poll(5, TimeUnit.SECONDS);
    assertThat(datagram).as("a datagram within 5 s").isNotNull();
    return datagram;
  }
}
