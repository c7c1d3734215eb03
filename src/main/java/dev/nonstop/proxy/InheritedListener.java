package dev.nonstop.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelOption;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening TCP socket this process was given as a file descriptor (by a running daemon in a
 * takeover, or by systemd's socket activation) rather than bound itself. Netty 4.2.9 wraps such a
 * descriptor on epoll only ({@code new EpollServerSocketChannel(fd)}); its io_uring channel has no
 * constructor for one, and NIO none at all.
 *
 * <p>The descriptor is checked before Netty sees it: wrapped as it is, a descriptor that is closed,
 * a file or a socket that does not listen gives a stack trace, or a listener that accepts nothing.
 * A descriptor refused here is left open: it is not the proxy's until it serves on it.
 */
final class InheritedListener {
  private static final Logger log = LoggerFactory.getLogger(InheritedListener.class);

  // getsockopt(2) names and values of Linux on x86, arm and riscv (alpha, mips, parisc and sparc
  // number them otherwise; Netty's native transports ship for x86_64 and aarch64).
  private static final int SOL_SOCKET = 1;
  private static final int SO_TYPE = 3;
  private static final int SO_RCVTIMEO = 20;
  private static final int SO_ACCEPTCONN = 30;
  private static final int SO_PROTOCOL = 38;
  private static final int SO_DOMAIN = 39;
  private static final int SOCK_STREAM = 1;
  private static final int SOCK_DGRAM = 2;
  private static final int AF_UNIX = 1;
  private static final int AF_INET = 2;
  private static final int AF_INET6 = 10;
  private static final int IPPROTO_TCP = 6;
  private static final int O_NONBLOCK = 04000;
  /**
   * How long an accept on a blocking socket waits for a connection that is not there: the kernel
   * rounds it up to one tick (1 to 10 ms).
   */
  private static final int ACCEPT_WAIT_MICROS = 1000;

  private InheritedListener() {}

  /**
   * The transport to serve {@code fd} on: epoll, whether AUTO or io_uring was asked for.
   *
   * @throws IllegalArgumentException for NIO, which cannot wrap a descriptor
   */
  static TransportKind transport(TransportKind wanted, int fd) {
    switch (wanted) {
      case NIO:
        throw new IllegalArgumentException("transport nio cannot serve the inherited socket fd "
            + fd + " (expected: epoll, io_uring or auto, which serve it on epoll)");
      case EPOLL:
        return TransportKind.EPOLL;
      default:
        log.info("inherited socket fd {} is served on epoll, not {}: Netty's io_uring cannot wrap "
            + "a descriptor", fd, wanted);
        return TransportKind.EPOLL;
    }
  }

  /**
   * Checks that {@code fd} is a listening TCP socket, and bounds how long an accept on it may
   * block. Needs epoll's native library loaded (the transport opened).
   *
   * @throws IllegalArgumentException naming {@code fd} and what it is instead
   */
  private static void check(int fd) {
    Socket s;
    int domain;
    int type;
    int protocol;
    int listening;
    try {
      s = new Socket(fd); // a view of the descriptor: dropping it closes nothing
      domain = s.getIntOpt(SOL_SOCKET, SO_DOMAIN);
      type = s.getIntOpt(SOL_SOCKET, SO_TYPE);
      protocol = s.getIntOpt(SOL_SOCKET, SO_PROTOCOL);
      listening = s.getIntOpt(SOL_SOCKET, SO_ACCEPTCONN);
    } catch (IOException | ChannelException e) { // EBADF: not open; ENOTSOCK: a file, a pipe
      throw refused(fd, unusable(e.getMessage()));
    }
    if (domain != AF_INET && domain != AF_INET6) {
      throw refused(fd, domain == AF_UNIX ? "a Unix socket" : "a socket of family " + domain);
    }
    if (type != SOCK_STREAM || protocol != IPPROTO_TCP) {
      throw refused(fd, type == SOCK_DGRAM ? "a datagram socket" : "a socket of type " + type
          + ", protocol " + protocol);
    }
    if (listening == 0) {
      throw refused(fd, "a TCP socket that does not listen (connected, or bound only)");
    }
    if (isBlocking(fd)) {
      boundAccept(s, fd);
    }
  }

  /** What a failed getsockopt or getsockname says of the descriptor, in the user's words. */
  private static String unusable(String why) {
    if (why != null && why.contains("Bad file descriptor")) {
      return "not open";
    }
    if (why != null && why.contains("non-socket")) {
      return "not a socket (a file or a pipe)";
    }
    return "unusable (" + why + ")";
  }

  private static IllegalArgumentException refused(int fd, String what) {
    return new IllegalArgumentException(
        "fd " + fd + " is " + what + " (expected: a listening TCP socket)");
  }

  /**
   * Serves the listening socket {@code fd}: registered, not bound (it is bound and listening,
   * hence active from the start, and Netty starts reading an active channel as it registers it).
   * It registers with auto-read off: Netty adds its acceptor to the pipeline in a task of the
   * registration, and an accept before that task ran would reach no acceptor. Auto-read goes on
   * in a task queued after that one. From then on the {@link AcceptGate} owns auto-read, as on a
   * socket of the proxy's own.
   */
  static Channel serve(ServerBootstrap b, int fd) {
    check(fd); // before Netty owns it: a refused descriptor stays open
    Channel ch = b.channelFactory(() -> channel(fd))
        .option(ChannelOption.AUTO_READ, false)
        .register()
        .syncUninterruptibly()
        .channel();
    ch.eventLoop().execute(() -> ch.config().setAutoRead(true));
    return ch;
  }

  /**
   * The listener channel for {@code fd}, to register and not bind: it is active from the start,
   * and reads (accepts) once registered.
   */
  private static ServerChannel channel(int fd) {
    return new EpollServerSocketChannel(fd);
  }

  /**
   * Whether the socket's open file description is in blocking mode, as systemd passes sockets
   * unless a unit says NonBlocking=yes. Read from /proc: no JDK or Netty call sets or reads the
   * flag of a descriptor it did not open. Unreadable counts as blocking.
   */
  private static boolean isBlocking(int fd) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
        if (line.startsWith("flags:")) {
          return (Integer.parseInt(line.substring(6).trim(), 8) & O_NONBLOCK) == 0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      log.debug("flags of fd {} unreadable: {}", fd, e.toString());
    }
    return true;
  }

  /**
   * A blocking listener makes epoll's accept wait when the connection it was told of is gone: taken
   * by the other process sharing the socket during a takeover. That wait would hold the event loop
   * and every connection on it until the next client came. With a receive timeout, the kernel ends
   * the wait after a tick instead (accept honours SO_RCVTIMEO; accepted sockets inherit it but
   * are non-blocking, where it means nothing).
   */
  private static void boundAccept(Socket s, int fd) {
    ByteBuffer timeval = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
    timeval.putLong(0).putLong(ACCEPT_WAIT_MICROS).flip();
    try {
      s.setRawOpt(SOL_SOCKET, SO_RCVTIMEO, timeval);
      log.info("inherited socket fd {} is in blocking mode: an accept that finds no connection "
          + "(another process took it) waits one kernel tick; NonBlocking=yes in a systemd "
          + "socket unit avoids that", fd);
    } catch (IOException e) {
      throw new IllegalStateException("fd " + fd + " is a blocking socket and its accept "
          + "timeout cannot be set: " + e.getMessage(), e);
    }
  }
}
