package dev.nonstop.instance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;

/** Free TCP ports for new servers. */
public final class Ports {
  /** The kernel's range for the local ports of outgoing connections, where Linux has one. */
  private static final Path EPHEMERAL = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
  /** Ports from here up to the ephemeral range are tried first. */
  private static final int LOWEST = 10_000;
  /**
   * Ports given lately are not given again: the servers they went to may not have bound them yet
   * (a deploy step asks for all its ports, then starts its servers), and a port free again a
   * moment after the kernel named it is likely to be named again.
   */
  private static final int REMEMBERED = 256;
  /** The ports given last, oldest first; guarded by the class. */
  private static final ArrayDeque<Integer> RECENT = new ArrayDeque<>(REMEMBERED + 1);

  private Ports() {}

  /**
   * A TCP port that was free on 127.0.0.1 a moment ago. Another process may take it before the
   * server binds it; a server that then fails to start is caught by its health deadline.
   *
   * <p>It is taken below the kernel's ephemeral range when there is room: a port from that range
   * may become the local port of any outgoing connection (the proxy opens many, to the servers)
   * between now and the server's bind; a port below it can only be taken by another listener.
   */
  public static synchronized int free() {
    int below = ephemeralStart();
    if (below - LOWEST > 1_000) {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      for (int i = 0; i < 32; i++) {
        int port = LOWEST + random.nextInt(below - LOWEST);
        if (!RECENT.contains(port) && bindable(port)) {
          return given(port);
        }
      }
    }
    for (int i = 0; i < 32; i++) {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        int port = socket.getLocalPort();
        if (!RECENT.contains(port)) {
          return given(port);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("no free port on 127.0.0.1", e);
      }
    }
    throw new UncheckedIOException(new IOException("no free port on 127.0.0.1 that was not just given"));
  }

  /** Remembers {@code port} among the last {@link #REMEMBERED} given, and returns it. */
  private static int given(int port) {
    RECENT.addLast(port);
    if (RECENT.size() > REMEMBERED) {
      RECENT.removeFirst();
    }
    return port;
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
      // by lines: Files.readString reads a /proc file, which says it has 0 bytes, only in part
      String[] range = Files.readAllLines(EPHEMERAL).get(0).trim().split("\\s+");
      return Integer.parseInt(range[0]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}
