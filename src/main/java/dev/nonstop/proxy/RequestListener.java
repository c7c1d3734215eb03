package dev.nonstop.proxy;

import dev.nonstop.pool.Backend;

/**
 * Told of every request the proxy answered, on the event loop that answered it: keep it cheap and
 * never block.
 */
public interface RequestListener {
  RequestListener NONE = (backend, status, latencyNanos, proxyError) -> {};

  /**
   * @param backend the backend that answered, or null when the proxy answered alone (no usable
   *     backend, maintenance, a malformed request)
   * @param status the status sent to the client (0 if the connection closed before one)
   * @param latencyNanos from the request's first byte to the response's last
   * @param proxyError true when the status came from the proxy (502, 503, 504, 4xx of its own)
   */
  void completed(Backend backend, int status, long latencyNanos, boolean proxyError);

  /**
   * A try of a request failed on {@code backend} before any response byte reached the client, and
   * the request goes out again.
   *
   * @param staleConnection true when a pooled connection turned out closed (the request goes to
   *     the same backend on a new connection), false when the backend failed (another one is tried)
   */
  default void retried(Backend backend, boolean staleConnection) {}

  /** How a stream ended: by the client, by the backend (the app closed it), or by the proxy. */
  enum StreamEnd { CLIENT, BACKEND, PROXY }

  /**
   * A response became a stream (a WebSocket or other upgraded tunnel, an event stream): it is
   * reported apart from requests, once when it opens and once when it ends, never in latencies.
   */
  default void streamOpened(Backend backend) {}

  /**
   * @param lifeNanos from the request's first byte to the stream's end
   */
  default void streamEnded(Backend backend, long lifeNanos, StreamEnd how) {}
}
