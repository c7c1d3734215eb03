package dev.nonstop.proxy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event loops and their I/O: io_uring where the kernel offers it, else native epoll, else NIO.
 * The native transports are runtime-only dependencies of the build, so they are looked up by name.
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
      } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
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

  private static Transport open0(TransportKind kind, int threads)
      throws ReflectiveOperationException {
    switch (kind) {
      case IO_URING:
        return nativeTransport(kind, "io.netty.channel.uring.IoUring", threads);
      case EPOLL:
        return nativeTransport(kind, "io.netty.channel.epoll.Epoll", threads);
      default:
        return new Transport(kind, new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory()),
            NioServerSocketChannel.class, NioSocketChannel.class);
    }
  }

  /** {@code prefix} names Netty's classes: {@code prefix}, {@code prefix}IoHandler and so on. */
  private static Transport nativeTransport(TransportKind kind, String prefix, int threads)
      throws ReflectiveOperationException {
    ClassLoader cl = Transport.class.getClassLoader();
    Class<?> probe = Class.forName(prefix, true, cl);
    if (!(Boolean) probe.getMethod("isAvailable").invoke(null)) {
      throw new IllegalStateException(
          String.valueOf(probe.getMethod("unavailabilityCause").invoke(null)));
    }
    IoHandlerFactory factory = (IoHandlerFactory)
        Class.forName(prefix + "IoHandler", true, cl).getMethod("newFactory").invoke(null);
    Class<? extends ServerChannel> server =
        Class.forName(prefix + "ServerSocketChannel", true, cl).asSubclass(ServerChannel.class);
    Class<? extends SocketChannel> socket =
        Class.forName(prefix + "SocketChannel", true, cl).asSubclass(SocketChannel.class);
    // The loops' handlers (io_uring's rings) are made here, so a refusal shows now.
    return new Transport(kind, new MultiThreadIoEventLoopGroup(threads, factory), server, socket);
  }

  private static String reason(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getMessage() == null) {
      t = t.getCause();
    }
    return t.getMessage() != null ? t.getMessage() : t.toString();
  }
}
