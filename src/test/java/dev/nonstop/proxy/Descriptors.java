package dev.nonstop.proxy;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Raw file descriptors for the tests of inherited listeners and hand-offs, through Netty's native
 * sockets (the JDK gives no descriptor numbers): a listening TCP socket made outside any proxy, and
 * a second descriptor of a socket passed over a Unix socket, as one process passes it to another.
 */
final class Descriptors {
  private Descriptors() {}

  /** A TCP socket bound to 127.0.0.1:0 and listening, as systemd or an old daemon would hand it. */
  static LinuxSocket listening() throws IOException {
    Epoll.ensureAvailability();
    LinuxSocket s = LinuxSocket.newSocketStream(false);
    s.bind(new InetSocketAddress("127.0.0.1", 0));
    s.listen(128);
    return s;
  }

  /**
   * A new descriptor of the socket {@code fd} is, received over a Unix socket (SCM_RIGHTS): the
   * same open socket, as another process would hold it after a takeover. Closing one descriptor
   * leaves the socket open through the other.
   */
  static int passed(int fd) throws IOException {
    Epoll.ensureAvailability();
    Path dir = Files.createTempDirectory("nonstop-fd");
    DomainSocketAddress path = new DomainSocketAddress(dir.resolve("s").toString());
    Socket server = Socket.newSocketDomain();
    Socket client = Socket.newSocketDomain();
    Socket accepted = null;
    try {
      server.bind(path);
      server.listen(1);
      client.connect(path); // a Unix socket connects at once
      accepted = new Socket(server.accept(new byte[64]));
      if (client.sendFd(fd) < 0) {
        throw new IOException("sendFd: would block");
      }
      int received = accepted.recvFd();
      if (received <= 0) {
        throw new IOException("recvFd: nothing received (" + received + ")");
      }
      return received;
    } finally {
      if (accepted != null) {
        accepted.close();
      }
      client.close();
      server.close();
      Files.deleteIfExists(dir.resolve("s"));
      Files.deleteIfExists(dir);
    }
  }

  /**
   * Closes {@code fd}, whatever it is. Only for a descriptor no proxy took: one a proxy closed may
   * already have been given to another socket of this process.
   */
  static void close(int fd) {
    try {
      new Socket(fd).close();
    } catch (IOException e) {
      // already closed
    }
  }
}
