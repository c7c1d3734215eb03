package dev.nonstop.proxy;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * Native epoll where the platform has it, NIO otherwise. The epoll classes are a runtime-only
 * dependency of the build, so they are looked up by name.
 */
record Transport(
    String name,
    IoHandlerFactory ioHandler,
    Class<? extends ServerChannel> serverChannel,
    Class<? extends SocketChannel> socketChannel) {

  private static final String EPOLL = "io.netty.channel.epoll.";

  static Transport detect() {
    try {
      ClassLoader cl = Transport.class.getClassLoader();
      Class<?> epoll = Class.forName(EPOLL + "Epoll", true, cl);
      if ((Boolean) epoll.getMethod("isAvailable").invoke(null)) {
        IoHandlerFactory factory = (IoHandlerFactory)
            Class.forName(EPOLL + "EpollIoHandler", true, cl).getMethod("newFactory").invoke(null);
        return new Transport("epoll", factory,
            Class.forName(EPOLL + "EpollServerSocketChannel", true, cl)
                .asSubclass(ServerChannel.class),
            Class.forName(EPOLL + "EpollSocketChannel", true, cl).asSubclass(SocketChannel.class));
      }
    } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
      // no native transport here: NIO below
    }
    return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class,
        NioSocketChannel.class);
  }
}
