package dev.nonstop.daemon;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * systemd's notification protocol (sd_notify): one datagram of {@code KEY=VALUE} lines to the Unix
 * datagram socket that {@code $NOTIFY_SOCKET} names, a path or, starting with {@code @}, a name in
 * the abstract namespace. Nonstop sends {@code READY=1} once {@code up} serves, and a successor
 * sends {@code MAINPID=its pid} so that systemd follows it as the service's main process.
 *
 * <p>Sent through Netty's native Unix socket (the epoll transport's library, no JNA): a
 * non-blocking {@code sendto} on a socket of its own, opened and closed per call, without an event
 * loop; a daemon calls it once or twice in its life. systemd reads the sender's pid from the
 * socket's credentials, which the kernel attaches: the caller must still be running, and in the
 * service's control group, when systemd reads the message.
 */
public final class SystemdNotify {
  private static final Logger log = LoggerFactory.getLogger(SystemdNotify.class);
  /** The variable systemd sets for a service that may notify it. */
  public static final String NOTIFY_SOCKET = "NOTIFY_SOCKET";
  /** How often a full receive queue (EAGAIN) is tried again, a millisecond apart; systemd's holds megabytes. */
  private static final int ATTEMPTS = 100;
  /** Linux's {@code sizeof(sun_path)}. */
  private static final int SUN_PATH_SIZE = 108;

  private SystemdNotify() {}

  /**
   * Sends {@code state} (e.g. {@code "READY=1"}, {@code "MAINPID=123\nREADY=1"}) to this process's
   * {@code $NOTIFY_SOCKET}.
   *
   * @return true once the datagram is in the socket's queue (systemd handles the notifications
   *     queued before it handles an exit: a sender may exit, or let another process exit, right after); false, having done nothing, when
   *     {@code NOTIFY_SOCKET} is unset (not run by systemd, or by a service type that does not
   *     listen), and false with a warning logged when the socket cannot be reached. Never throws for
   *     the socket.
   */
  public static boolean send(String state) {
    return send(System.getenv(), state);
  }

  /** {@link #send(String)} with the environment given, for tests. */
  public static boolean send(Map<String, String> env, String state) {
    String name = env.get(NOTIFY_SOCKET);
    if (name == null || name.isEmpty()) {
      return false;
    }
    byte[] address = address(name);
    if (address == null) {
      log.warn("NOTIFY_SOCKET={}: not a socket path (/...) nor an abstract name (@...); not sent: {}",
          name, oneLine(state));
      return false;
    }
    if (!Epoll.isAvailable()) {
      log.warn("cannot notify systemd at {}: Netty's native Unix sockets are unavailable ({}); not sent: {}",
          name, Epoll.unavailabilityCause(), oneLine(state));
      return false;
    }
    byte[] bytes = state.getBytes(UTF_8);
    ByteBuffer buffer = ByteBuffer.allocateDirect(Math.max(1, bytes.length)).put(bytes).flip();
    Socket socket = null;
    try {
      socket = LinuxSocket.newSocketDomainDgram();
      for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
        if (socket.sendToDomainSocket(buffer, 0, bytes.length, address) == bytes.length) {
          return true;
        }
        TimeUnit.MILLISECONDS.sleep(1); // 0: the receiver's queue is full (EAGAIN)
      }
      log.warn("cannot notify systemd at {}: its queue stayed full; not sent: {}", name, oneLine(state));
    } catch (IOException | RuntimeException e) {
      log.warn("cannot notify systemd at {} ({}); not sent: {}", name, e, oneLine(state));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      log.warn("interrupted while notifying systemd at {}; not sent: {}", name, oneLine(state));
    } finally {
      if (socket != null) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // nothing was left to send
        }
      }
    }
    return false;
  }

  /**
   * The bytes of {@code sun_path} for {@code name}: a path as it is, {@code @name} as NUL and the
   * name (the abstract namespace, whose names are not NUL-terminated); null for anything else, or
   * for a name longer than {@code sun_path} holds.
   */
  static byte[] address(String name) {
    byte[] bytes;
    if (name.startsWith("/")) {
      bytes = name.getBytes(UTF_8);
    } else if (name.startsWith("@") && name.length() > 1) {
      bytes = ("\0" + name.substring(1)).getBytes(UTF_8);
    } else {
      return null;
    }
    return bytes.length <= SUN_PATH_SIZE ? bytes : null;
  }

  private static String oneLine(String state) {
    return state.replace('\n', ' ');
  }
}
