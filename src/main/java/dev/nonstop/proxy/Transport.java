package dev.nonstop.proxy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event loops and their I/O: io_uring where the kernel offers it, else native epoll, else NIO.
 * Netty's native transports load their library lazily and report, not throw, when it is missing.
 */
record Transport(
    TransportKind kind,
    EventLoopGroup group,
    Class<? extends ServerChannel> serverChannel,
    Class<? extends SocketChannel> socketChannel) {

  private static final Logger log = LoggerFactory.getLogger(Transport.class);
  private static final List<TransportKind> FASTEST_FIRST =
      List.of(TransportKind.IO_URING, TransportKind.EPOLL, TransportKind.NIO);

  /**
   * Starts {@code threads} event loops on the transport {@code wanted}. AUTO takes the first of
   * io_uring, epoll and NIO that starts here (a kernel may offer io_uring and still refuse its
   * rings, to a container or a memory-lock limit); a transport named but not available here is an
   * {@link IllegalArgumentException} that says why.
   */
  static Transport open(TransportKind wanted, int threads) {
    List<TransportKind> kinds = wanted == TransportKind.AUTO ? FASTEST_FIRST : List.of(wanted);
    RuntimeException last = null;
    for (TransportKind k : kinds) {
      try {
        return open0(k, threads);
      } catch (LinkageError | RuntimeException e) {
        String why = "transport " + k + " is not available here: " + reason(e);
        if (wanted != TransportKind.AUTO) {
          throw new IllegalArgumentException(why, e);
        }
        log.debug(why);
        last = new IllegalStateException(why, e);
      }
    }
    throw last;
  }

  private static Transport open0(TransportKind kind, int threads) {
    switch (kind) {
      case IO_URING:
        singleShotAccept();
        IoUring.ensureAvailability();
        return started(kind, threads, IoUringIoHandler.newFactory(),
            IoUringServerSocketChannel.class, IoUringSocketChannel.class);
      case EPOLL:
        Epoll.ensureAvailability();
        return started(kind, threads, EpollIoHandler.newFactory(),
            EpollServerSocketChannel.class, EpollSocketChannel.class);
      default:
        return started(kind, threads, NioIoHandler.newFactory(),
            NioServerSocketChannel.class, NioSocketChannel.class);
    }
  }

  /**
   * io_uring's multishot accept is re-armed after a failed accept whether or not the channel still
   * reads (Netty 4.2.9, AbstractIoUringChannel.readComplete): out of file descriptors it fails
   * again at once, hundreds of thousands of times a second, and {@link AcceptGate} cannot pause
   * it. The single-shot accept honours auto-read, as epoll and NIO do; it costs one submission per
   * accepted connection. Read once, by IoUring's class initializer; an explicit -D wins.
   */
  private static void singleShotAccept() {
    String multishot = "io.netty.iouring.acceptMultiShotEnabled";
    if (System.getProperty(multishot) == null) {
      System.setProperty(multishot, "false");
    }
    if (IoUring.isAcceptMultishotEnabled()) {
      log.warn("io_uring accepts are multishot (-D{}): out of file descriptors they cannot pause",
          multishot);
    }
  }

  /** The loops' handlers (io_uring's rings) are made here, so a refusal shows now. */
  private static Transport started(TransportKind kind, int threads, IoHandlerFactory io,
      Class<? extends ServerChannel> server, Class<? extends SocketChannel> socket) {
    return new Transport(kind, new MultiThreadIoEventLoopGroup(threads, io), server, socket);
  }

  /** The deepest message in {@code e}'s causes: the one that names what the system refused. */
  private static String reason(Throwable e) {
    String why = e.toString();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null) {
        why = t.getMessage();
      }
    }
    return why;
  }
}
