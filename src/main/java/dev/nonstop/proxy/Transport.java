package dev.nonstop.proxy;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The event loops' I/O: io_uring where the kernel offers it, else native epoll, else NIO. The
 * native transports are runtime-only dependencies of the build, so they are looked up by name.
 */
record Transport(
    TransportKind kind,
    IoHandlerFactory ioHandler,
    Class<? extends ServerChannel> serverChannel,
    Class<? extends SocketChannel> socketChannel) {

  private static final String URING = "io.netty.channel.uring.";
  private static final String EPOLL = "io.netty.channel.epoll.";

  /**
   * The transport {@code wanted}. AUTO falls back quietly; a named one that this machine lacks is
   * an {@link IllegalArgumentException} that says why.
   */
  static Transport select(TransportKind wanted) {
    if (wanted == TransportKind.NIO) {
      return nio();
    }
    String why = null;
    if (wanted == TransportKind.AUTO || wanted == TransportKind.IO_URING) {
      try {
        return nativeTransport(TransportKind.IO_URING, URING, "IoUring");
      } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
        why = reason(e);
      }
      if (wanted == TransportKind.IO_URING) {
        throw new IllegalArgumentException("transport io_uring is not available here: " + why);
      }
    }
    try {
      return nativeTransport(TransportKind.EPOLL, EPOLL, "Epoll");
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      if (wanted == TransportKind.EPOLL) {
        throw new IllegalArgumentException("transport epoll is not available here: " + reason(e));
      }
    }
    return nio();
  }

  private static Transport nativeTransport(TransportKind kind, String pkg, String prefix)
      throws ReflectiveOperationException {
    ClassLoader cl = Transport.class.getClassLoader();
    Class<?> probe = Class.forName(pkg + prefix, true, cl);
    if (!(Boolean) probe.getMethod("isAvailable").invoke(null)) {
      throw new IllegalStateException(
          String.valueOf(probe.getMethod("unavailabilityCause").invoke(null)));
    }
    IoHandlerFactory factory = (IoHandlerFactory)
        Class.forName(pkg + prefix + "IoHandler", true, cl).getMethod("newFactory").invoke(null);
    return new Transport(kind, factory,
        Class.forName(pkg + prefix + "ServerSocketChannel", true, cl)
            .asSubclass(ServerChannel.class),
        Class.forName(pkg + prefix + "SocketChannel", true, cl).asSubclass(SocketChannel.class));
  }

  private static Transport nio() {
    return new Transport(TransportKind.NIO, NioIoHandler.newFactory(), NioServerSocketChannel.class,
        NioSocketChannel.class);
  }

  private static String reason(Throwable e) {
    Throwable t = e.getCause() != null ? e.getCause() : e;
    return t.getMessage() != null ? t.getMessage() : t.toString();
  }
}
