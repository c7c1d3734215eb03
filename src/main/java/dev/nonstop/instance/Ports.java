package dev.nonstop.instance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free TCP ports for new servers. */
public final class Ports {
  private Ports() {}

  /**
   * A TCP port that was free on 127.0.0.1 a moment ago. Another process may take it before the
   * server binds it; a server that then fails to start is caught by its health deadline.
   */
  public static int free() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
  }
}
