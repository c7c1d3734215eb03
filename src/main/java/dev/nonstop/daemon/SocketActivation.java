package dev.nonstop.daemon;

import java.util.Map;
import java.util.OptionalInt;

/**
 * systemd's socket activation (sd_listen_fds): a service started for a socket unit inherits the
 * listening socket as file descriptor 3, announced by {@code LISTEN_FDS} and {@code LISTEN_PID}.
 * The socket belongs to systemd, so connections wait in its queue while Nonstop restarts.
 */
final class SocketActivation {
  /** The first inherited descriptor, by the protocol. */
  static final int FIRST_FD = 3;

  private SocketActivation() {}

  /**
   * The inherited listening socket for this process, if systemd passed one.
   *
   * @throws IllegalStateException when systemd passed more than one socket: Nonstop serves one
   */
  static OptionalInt listenFd(Map<String, String> env, long pid) {
    String fds = env.get("LISTEN_FDS");
    String forPid = env.get("LISTEN_PID");
    if (fds == null || forPid == null) {
      return OptionalInt.empty();
    }
    try {
      if (Long.parseLong(forPid.trim()) != pid) {
        return OptionalInt.empty(); // meant for another process (a parent that did not clear it)
      }
      int n = Integer.parseInt(fds.trim());
      if (n == 0) {
        return OptionalInt.empty();
      }
      if (n != 1) {
        throw new IllegalStateException("LISTEN_FDS=" + n + ": systemd passed " + n
            + " sockets; expected one, the proxy's listen socket (one ListenStream= in the socket unit)");
      }
      return OptionalInt.of(FIRST_FD);
    } catch (NumberFormatException e) {
      throw new IllegalStateException("LISTEN_FDS=" + fds + ", LISTEN_PID=" + forPid
          + ": expected numbers, as systemd sets them");
    }
  }
}
