package dev.nonstop.proxy;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * How the proxy listens, times out and retries.
 *
 * @param connectTimeout backend connect
 * @param responseTimeout from the request's last byte to the backend's response headers
 * @param idleTimeout a client connection with no request in flight is closed after this
 * @param requestHeaderTimeout a client must send a whole request head within this (slowloris)
 * @param backendKeepAlive idle pooled backend connections are closed after this; keep it below
 *     the backends' own keep-alive timeout
 * @param maxTries tries per request, each on another backend (1 = no retry)
 * @param ejectAfter consecutive live-traffic failures that mark a backend DOWN (0 = never)
 * @param ioThreads event loops; 0 = one per core
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
    int ioThreads) {

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
        0);
  }
}
