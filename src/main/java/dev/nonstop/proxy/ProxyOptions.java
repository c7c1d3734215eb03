package dev.nonstop.proxy;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * How the proxy listens, times out and retries.
 *
 * @param connectTimeout backend connect
 * @param responseTimeout from the request's last byte to the backend's response headers
 * @param idleTimeout a client connection with no request in flight is closed after this; also the
 *     longest pause allowed inside a request body
 * @param requestHeaderTimeout a client must send a whole request head within this once its first
 *     byte came (slowloris)
 * @param backendKeepAlive idle pooled backend connections are closed after this; keep it below
 *     the backends' own keep-alive timeout
 * @param maxTries tries per request, each on another backend (1 = no retry)
 * @param ejectAfter consecutive live-traffic failures that mark a backend DOWN (0 = never)
 * @param ioThreads event loops; 0 = one per core
 * @param transport the event loops' I/O: io_uring, epoll or NIO; AUTO takes the fastest available
 * @param limits what one client, and all of them together, may cost the proxy
 * @param tunnelIdleTimeout a tunnel (a WebSocket after its 101, or another upgraded protocol)
 *     with no byte either way for this long is closed; long by default (1 h), as such connections
 *     may rightly sit quiet between messages
 * @param inheritedFd a TCP socket already bound and listening, given as a file descriptor of this
 *     process (a takeover's, or systemd's LISTEN_FDS), to serve on instead of binding {@code
 *     listen}, which is then ignored; -1 = none. The proxy owns it from then on and closes it.
 * @param front what the listener speaks: plain HTTP/1.1, or TLS with HTTP/2 and HTTP/1.1, and
 *     cleartext HTTP/2 with prior knowledge
 */
public record ProxyOptions(
    InetSocketAddress listen,
    Duration connectTimeout,
    Duration responseTimeout,
    Duration idleTimeout,
    Duration requestHeaderTimeout,
    Duration backendKeepAlive,
    int maxTries,
    int ejectAfter,
    int ioThreads,
    TransportKind transport,
    Limits limits,
    int inheritedFd,
    Duration tunnelIdleTimeout,
    FrontDoor front) {

  /** {@link #inheritedFd} when the proxy binds {@link #listen} itself. */
  public static final int NO_FD = -1;

  public ProxyOptions {
    requireNonNull(listen, "listen");
    positive(tunnelIdleTimeout, "tunnelIdleTimeout");
    positive(connectTimeout, "connectTimeout");
    positive(responseTimeout, "responseTimeout");
    positive(idleTimeout, "idleTimeout");
    positive(requestHeaderTimeout, "requestHeaderTimeout");
    positive(backendKeepAlive, "backendKeepAlive");
    if (maxTries < 1) {
      throw new IllegalArgumentException("maxTries: " + maxTries + " (expected: >= 1)");
    }
    if (ejectAfter < 0) {
      throw new IllegalArgumentException("ejectAfter: " + ejectAfter + " (expected: >= 0)");
    }
    if (ioThreads < 0) {
      throw new IllegalArgumentException("ioThreads: " + ioThreads + " (expected: >= 0)");
    }
    requireNonNull(transport, "transport");
    requireNonNull(limits, "limits");
    requireNonNull(front, "front");
    if (inheritedFd < NO_FD) {
      throw new IllegalArgumentException(
          "inheritedFd: " + inheritedFd + " (expected: -1 for none, or >= 0)");
    }
  }

  public static ProxyOptions defaults(InetSocketAddress listen) {
    return new ProxyOptions(
        listen,
        Duration.ofSeconds(2),
        Duration.ofSeconds(60),
        Duration.ofSeconds(60),
        Duration.ofSeconds(10),
        Duration.ofSeconds(4),
        3,
        5,
        0,
        TransportKind.AUTO,
        Limits.DEFAULT,
        NO_FD,
        Duration.ofHours(1),
        FrontDoor.PLAIN);
  }

  public ProxyOptions withResponseTimeout(Duration timeout) {
    return new ProxyOptions(listen, connectTimeout, timeout, idleTimeout, requestHeaderTimeout,
        backendKeepAlive, maxTries, ejectAfter, ioThreads, transport, limits, inheritedFd, tunnelIdleTimeout, front);
  }

  public ProxyOptions withIdleTimeout(Duration timeout) {
    return new ProxyOptions(listen, connectTimeout, responseTimeout, timeout, requestHeaderTimeout,
        backendKeepAlive, maxTries, ejectAfter, ioThreads, transport, limits, inheritedFd, tunnelIdleTimeout, front);
  }

  public ProxyOptions withRequestHeaderTimeout(Duration timeout) {
    return new ProxyOptions(listen, connectTimeout, responseTimeout, idleTimeout, timeout,
        backendKeepAlive, maxTries, ejectAfter, ioThreads, transport, limits, inheritedFd, tunnelIdleTimeout, front);
  }

  public ProxyOptions withBackendKeepAlive(Duration keepAlive) {
    return new ProxyOptions(listen, connectTimeout, responseTimeout, idleTimeout,
        requestHeaderTimeout, keepAlive, maxTries, ejectAfter, ioThreads, transport, limits,
        inheritedFd, tunnelIdleTimeout, front);
  }

  public ProxyOptions withEjectAfter(int failures) {
    return new ProxyOptions(listen, connectTimeout, responseTimeout, idleTimeout,
        requestHeaderTimeout, backendKeepAlive, maxTries, failures, ioThreads, transport, limits,
        inheritedFd, tunnelIdleTimeout, front);
  }

  public ProxyOptions withMaxTries(int tries) {
    return new ProxyOptions(listen, connectTimeout, responseTimeout, idleTimeout,
        requestHeaderTimeout, backendKeepAlive, tries, ejectAfter, ioThreads, transport, limits,
        inheritedFd, tunnelIdleTimeout, front);
  }

  public ProxyOptions withIoThreads(int threads) {
    return new ProxyOptions(listen, connectTimeout, responseTimeout, idleTimeout,
        requestHeaderTimeout, backendKeepAlive, maxTries, ejectAfter, threads, transport, limits,
        inheritedFd, tunnelIdleTimeout, front);
  }

  public ProxyOptions withTransport(TransportKind kind) {
    return new ProxyOptions(listen, connectTimeout, responseTimeout, idleTimeout,
        requestHeaderTimeout, backendKeepAlive, maxTries, ejectAfter, ioThreads, kind, limits,
        inheritedFd, tunnelIdleTimeout, front);
  }

  public ProxyOptions withLimits(Limits l) {
    return new ProxyOptions(listen, connectTimeout, responseTimeout, idleTimeout,
        requestHeaderTimeout, backendKeepAlive, maxTries, ejectAfter, ioThreads, transport, l,
        inheritedFd, tunnelIdleTimeout, front);
  }

  /** Serve on the listening socket {@code fd} instead of binding {@link #listen}; -1: bind. */
  public ProxyOptions withInheritedFd(int fd) {
    return new ProxyOptions(listen, connectTimeout, responseTimeout, idleTimeout,
        requestHeaderTimeout, backendKeepAlive, maxTries, ejectAfter, ioThreads, transport, limits,
        fd, tunnelIdleTimeout, front);
  }

  /** How long a tunnel (a WebSocket, after its 101) may go without a byte either way. */
  public ProxyOptions withTunnelIdleTimeout(Duration timeout) {
    return new ProxyOptions(listen, connectTimeout, responseTimeout, idleTimeout,
        requestHeaderTimeout, backendKeepAlive, maxTries, ejectAfter, ioThreads, transport, limits,
        inheritedFd, timeout, front);
  }

  /** What the listener speaks: TLS, HTTP/2. */
  public ProxyOptions withFront(FrontDoor f) {
    return new ProxyOptions(listen, connectTimeout, responseTimeout, idleTimeout,
        requestHeaderTimeout, backendKeepAlive, maxTries, ejectAfter, ioThreads, transport, limits,
        inheritedFd, tunnelIdleTimeout, f);
  }

  private static void positive(Duration d, String name) {
    requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
    }
  }
}
