package dev.nonstop.daemon;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.nonstop.daemon.Handover.Host;
import dev.nonstop.daemon.Handover.Listener;
import dev.nonstop.daemon.Handover.Offer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.PeerCredentials;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The old daemon's end of a {@link Handover}: a Unix socket (mode 0600) that newcomers run as the
 * same user ask to take over through. One takeover at a time: while one is prepared, a second
 * newcomer is refused. Once a newcomer serves, this server stops listening (its socket file goes,
 * for the newcomer to serve its own) but keeps that newcomer's connection until it is closed,
 * which is the last thing the exiting daemon does.
 *
 * <p>One event loop owns the connections and {@link #current}; the {@link Host}'s methods run on
 * it, so they never run concurrently, and should return promptly.
 */
final class HandoverServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HandoverServer.class);
  /** The file type bits of {@code st_mode}, and the type of a socket (sys/stat.h). */
  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;

  private final Path file;
  private final Host host;
  private final Duration timeout;
  private final EventLoopGroup group;
  /** The listener and every connection, closed one by one at {@link #close()}. */
  private final ChannelGroup channels;
  private final int uid = Handover.ourUid();
  private Channel listener;
  /** The conversation that holds the one takeover, from its offer on; null when none does. */
  private Conversation current;
  /** Set by {@link #close()}: connections that end now do not make the host resume. */
  private volatile boolean closing;

  private HandoverServer(Path file, Host host, Duration timeout, EventLoopGroup group) {
    this.file = file;
    this.host = host;
    this.timeout = timeout;
    this.group = group;
    this.channels = new DefaultChannelGroup("handover", group.next());
  }

  /**
   * Binds {@code file}. A socket file already there is removed if nothing listens on it (its
   * daemon ended without removing it); one a live daemon answers on is never taken, nor anything
   * that is not a socket.
   */
  static HandoverServer start(Path file, Host host, Duration timeout) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    removeStale(file);
    HandoverServer server = new HandoverServer(file, host, timeout, Handover.oneLoop("nonstop-handover"));
    ChannelFuture bound = new ServerBootstrap().group(server.group).channel(EpollServerDomainSocketChannel.class)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            server.channels.add(ch);
            ch.pipeline().addLast(Handover.lines(), server.new Conversation());
          }
        })
        .bind(new DomainSocketAddress(file.toFile()))
        .awaitUninterruptibly();
    try {
      if (!bound.isSuccess()) {
        throw new IOException("cannot listen on " + file + ": " + bound.cause().getMessage(), bound.cause());
      }
      server.listener = bound.channel();
      server.channels.add(server.listener);
      // Between bind and here the file has the umask's mode: peers are checked by uid anyway.
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
    log.debug("takeovers are asked for on {}", file);
    return server;
  }

  private static void removeStale(Path file) throws IOException {
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    int type = (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS) & S_IFMT;
    if (type != S_IFSOCK) {
      throw new IOException(file + " is in the way and is not a socket: nothing was changed; move it away");
    }
    // Non-blocking, so a live daemon too busy to accept is not mistaken for a dead one: its full
    // backlog fails with EAGAIN (a SocketException), only a socket nobody listens on is refused.
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.configureBlocking(false);
      probe.connect(UnixDomainSocketAddress.of(file));
    } catch (ConnectException refused) {
      Files.deleteIfExists(file);
      log.info("removed {}: a daemon that ended left it", file);
      return;
    } catch (IOException e) {
      throw new IOException("cannot tell whether a daemon answers on " + file + ": " + e.getMessage(), e);
    }
    throw new IOException("a daemon already answers on " + file + ": nothing was changed");
  }

  /**
   * Stops listening and ends every connection, without a word to the host. After a handover,
   * the newcomer learns by this that the old daemon is gone. Not from the host's methods.
   */
  @Override
  public void close() {
    closing = true;
    // Closed here, not left to the loop's shutdown, which may end without closing its channels
    // (Netty 4.2.9, SingleThreadIoEventLoop.run: a shutdown that comes after its check). A
    // listener closed as a channel also has its file removed.
    channels.close().awaitUninterruptibly();
    Handover.shutdown(group);
  }

  /** Where one conversation is, as the old daemon sees it. */
  private enum Step {
    /** Connected; waiting for TAKEOVER. */
    HELLO,
    /** OFFER sent, the host frozen; waiting for SEND. */
    OFFERED,
    /** Descriptors sent; waiting for SERVING. */
    SENT,
    /** The newcomer serves; the host hands over. The connection stays until this process ends. */
    SERVED,
    ENDED
  }

  /** One newcomer's connection; lives on the event loop. */
  private final class Conversation extends SimpleChannelInboundHandler<ByteBuf> {
    private Step step = Step.HELLO;
    private long pid;
    private Offer offer;
    private ScheduledFuture<?> deadline;

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws IOException {
      PeerCredentials peer = ((EpollDomainSocketChannel) ctx.channel()).peerCredentials();
      pid = peer.pid();
      if (peer.uid() != uid) {
        refuse(ctx, "this daemon runs as uid " + uid + ", and pid " + pid + " as uid " + peer.uid()
            + ": a takeover needs the same user");
        return;
      }
      expectWithin(ctx, "ask to take over");
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
      String line = msg.toString(UTF_8);
      switch (step) {
        case HELLO -> hello(ctx, line);
        case OFFERED -> expect(ctx, line, "SEND", () -> sendSockets(ctx));
        case SENT -> expect(ctx, line, "SERVING", () -> handOver(ctx));
        default -> log.debug("ignored \"{}\" from pid {} while {}", Handover.oneLine(line), pid, step);
      }
    }

    private void hello(ChannelHandlerContext ctx, String line) {
      if (!line.equals("TAKEOVER " + Handover.VERSION)) {
        refuse(ctx, "expected \"TAKEOVER " + Handover.VERSION + "\", got \"" + Handover.oneLine(line) + "\"");
        return;
      }
      if (current != null) {
        refuse(ctx, current.step == Step.SERVED
            ? "this daemon hands over to pid " + current.pid + " and exits: ask that one"
            : "another nonstop up (pid " + current.pid + ") is taking over; try again when it is done");
        return;
      }
      offer = prepare();
      if (offer.isRefusal()) {
        log.info("refused a takeover by pid {}: {}", pid, offer.refusal());
        refuse(ctx, offer.refusal());
        return;
      }
      current = this;
      to(Step.OFFERED);
      Handover.send(ctx.channel(), "OFFER " + offer.listeners().stream().map(Listener::name)
          .collect(Collectors.joining(" ")));
      expectWithin(ctx, "ask for the sockets");
    }

    private Offer prepare() {
      try {
        return host.prepare(pid);
      } catch (RuntimeException e) {
        log.error("preparing a takeover by pid {} failed", pid, e);
        return Offer.refused("the running daemon could not prepare: " + e);
      }
    }

    /** Writes the descriptors; Netty sends each {@link FileDescriptor} as SCM_RIGHTS, and never closes ours. */
    private void sendSockets(ChannelHandlerContext ctx) {
      for (Listener l : offer.listeners()) {
        ctx.write(new FileDescriptor(l.fd()));
      }
      ctx.flush();
      to(Step.SENT);
      expectWithin(ctx, "say it serves");
    }

    private void handOver(ChannelHandlerContext ctx) {
      deadline.cancel(false);
      to(Step.SERVED);
      listener.close(); // on this loop, so the file is gone before EXITING leaves
      try {
        host.handOver();
      } catch (RuntimeException e) {
        log.error("handing over to pid {} failed", pid, e);
      }
      Handover.send(ctx.channel(), "EXITING");
    }

    private void expect(ChannelHandlerContext ctx, String line, String expected, Runnable then) {
      if (line.equals(expected)) {
        then.run();
      } else {
        refuse(ctx, "expected \"" + expected + "\", got \"" + Handover.oneLine(line) + "\"");
      }
    }

    /** Gives the newcomer {@link #timeout} for its next step; at the deadline, gives it up. */
    private void expectWithin(ChannelHandlerContext ctx, String what) {
      if (deadline != null) {
        deadline.cancel(false);
      }
      deadline = ctx.executor().schedule(() -> {
        String reason = "the newcomer (pid " + pid + ") did not " + what + " within " + timeout
            + ": this daemon carries on";
        if (step == Step.SENT) {
          refuse(ctx, reason);
          return;
        }
        // Before TAKEOVER there is nobody to tell; after OFFER the newcomer may read descriptors
        // already, and would lose a reason sent as bytes.
        if (step == Step.OFFERED) {
          log.info("{}", reason);
        }
        ctx.close();
      }, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void refuse(ChannelHandlerContext ctx, String reason) {
      Handover.send(ctx.channel(), "REFUSED " + Handover.oneLine(reason)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (deadline != null) {
        deadline.cancel(false);
      }
      Step was = step;
      to(Step.ENDED);
      if (current == this && (was == Step.OFFERED || was == Step.SENT)) {
        current = null;
        if (!closing) {
          log.info("pid {} went away before it served: this daemon carries on", pid);
          try {
            host.resume();
          } catch (RuntimeException e) {
            log.error("resuming after pid {} went away failed", pid, e);
          }
        }
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("closing the handover connection of pid {}: {}", pid, cause.toString());
      ctx.close();
    }

    private void to(Step next) {
      if (next != Step.ENDED || step != Step.HELLO) {
        log.info("takeover by pid {}: {} -> {}", pid, step, next);
      }
      step = next;
    }
  }
}
