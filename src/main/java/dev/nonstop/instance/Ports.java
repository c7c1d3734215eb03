package dev.nonstop.instance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/** Free TCP ports for new servers. */
public final class Ports {
  /** The kernel's range for the local ports of outgoing connections, where Linux has one. */
  private static final Path EPHEMERAL = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
  /** Ports from here up to the ephemeral range are tried first. */
  private static final int LOWEST = 10_000;

  private Ports() {}

  /**
   * A TCP port that was free on 127.0.0.1 a moment ago. Another process may take it before the
   * server binds it; a server that then fails to start is caught by its health deadline.
   *
   * <p>It is taken below the kernel's ephemeral range when there is room: a port from that range
   * may become the local port of any outgoing connection (the proxy opens many, to the servers)
   * between now and the server's bind; a port below it can only be taken by another listener.
   */
  public static int free() {
    int below = ephemeralStart();
    if (below - LOWEST > 1_000) {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      for (int i = 0; i < 32; i++) {
        int port = LOWEST + random.nextInt(below - LOWEST);
        if (bindable(port)) {
          return port;
        }
      }
    }
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The first port of the ephemeral range; 0 where it cannot be read (no room below then). */
  private static int ephemeralStart() {
    try {
      String[] range = Files.readString(EPHEMERAL).trim().split("\\s+");
      return Integer.parseInt(range[0]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}
