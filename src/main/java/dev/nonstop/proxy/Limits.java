package dev.nonstop.proxy;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * What one client may cost the proxy: connections, body size, how slowly it may send and read,
 * and how much buffer memory all of them together may hold.
 *
 * @param maxConnections open client connections at once; at the limit accepts pause (0 = derived
 *     from the process's file descriptor limit, with room kept for backend and health-check
 *     sockets)
 * @param maxBody largest request body in bytes; a larger one is answered 413 (0 = no limit)
 * @param sendTimeout a client that takes none of its response for this long is closed, and its
 *     backend connection released
 * @param minBodyRate bytes per second a client must send of a request body, judged over each
 *     {@code bodyRateWindow} while the proxy is reading it (0: at least one byte a window)
 * @param bodyRateWindow the span a request body's rate is judged over; a window with too few
 *     bytes ends the request with 408
 * @param maxBufferMemory buffer memory (bytes) past which new requests are refused with 503 while
 *     the ones under way finish (0 = three quarters of the JVM's direct memory limit)
 */
public record Limits(
    int maxConnections,
    long maxBody,
    Duration sendTimeout,
    int minBodyRate,
    Duration bodyRateWindow,
    long maxBufferMemory) {

  public static final Limits DEFAULT = new Limits(
      0,
      100L * 1024 * 1024,
      Duration.ofSeconds(60),
      1024,
      Duration.ofSeconds(10),
      0);

  public Limits {
    if (maxConnections < 0) {
      throw new IllegalArgumentException("maxConnections: " + maxConnections + " (expected: >= 0)");
    }
    if (maxBody < 0) {
      throw new IllegalArgumentException("maxBody: " + maxBody + " (expected: >= 0)");
    }
    requireNonNull(sendTimeout, "sendTimeout");
    if (sendTimeout.isNegative() || sendTimeout.isZero()) {
      throw new IllegalArgumentException("sendTimeout: " + sendTimeout + " (expected: > 0)");
    }
    if (minBodyRate < 0) {
      throw new IllegalArgumentException("minBodyRate: " + minBodyRate + " (expected: >= 0)");
    }
    requireNonNull(bodyRateWindow, "bodyRateWindow");
    if (bodyRateWindow.isNegative() || bodyRateWindow.isZero()) {
      throw new IllegalArgumentException("bodyRateWindow: " + bodyRateWindow + " (expected: > 0)");
    }
    if (maxBufferMemory < 0) {
      throw new IllegalArgumentException(
          "maxBufferMemory: " + maxBufferMemory + " (expected: >= 0)");
    }
  }

  public Limits withMaxConnections(int n) {
    return new Limits(n, maxBody, sendTimeout, minBodyRate,
        bodyRateWindow, maxBufferMemory);
  }

  public Limits withMaxBody(long bytes) {
    return new Limits(maxConnections, bytes, sendTimeout, minBodyRate,
        bodyRateWindow, maxBufferMemory);
  }

  public Limits withSendTimeout(Duration timeout) {
    return new Limits(maxConnections, maxBody, timeout, minBodyRate,
        bodyRateWindow, maxBufferMemory);
  }

  public Limits withMinBodyRate(int bytesPerSecond) {
    return new Limits(maxConnections, maxBody, sendTimeout, bytesPerSecond,
        bodyRateWindow, maxBufferMemory);
  }

  public Limits withBodyRateWindow(Duration window) {
    return new Limits(maxConnections, maxBody, sendTimeout, minBodyRate,
        window, maxBufferMemory);
  }

  /** Bytes a body must bring in each window. */
  long minBytesPerWindow() {
    return Math.max(1, minBodyRate * bodyRateWindow.toMillis() / 1000);
  }

  public Limits withMaxBufferMemory(long bytes) {
    return new Limits(maxConnections, maxBody, sendTimeout, minBodyRate,
        bodyRateWindow, bytes);
  }
}
