package dev.nonstop.proxy;

import dev.nonstop.pool.Backend;

/**
 * One try of a request on one backend: the backend, the connection once there is one, and how far
 * the request got on it. A late callback of an earlier try (a connect that completes after the
 * exchange moved on) is told apart by identity: the exchange's current attempt is another object.
 * Event-loop confined, like the exchange it serves.
 */
final class Attempt {
  final Backend backend;
  /** The connection this try runs on; null while connecting, and once the try is over. */
  BackendConnection conn;
  /** The connection came from the pool (it may have gone stale there). */
  boolean reused;
  boolean headWritten;
  boolean bodyWritten;
  /** Counted in the backend's in-flight requests until {@link #release}. */
  private boolean acquired = true;
  /** The response became a stream (a tunnel, an event stream); it stays one once it did. */
  private boolean stream;
  /** Counted in the backend's streams, until {@link #release}. */
  private boolean streamCounted;

  Attempt(Backend backend) {
    this.backend = backend;
    backend.acquire();
  }

  /** Ends this try's share of the backend's in-flight (or stream) count, once; {@code status} 0 if none. */
  void release(int status) {
    if (acquired) {
      acquired = false;
      backend.release(status);
    } else if (streamCounted) {
      streamCounted = false;
      backend.streamClosed();
    }
  }

  /** The response turned out a stream: counted as one from now on, not as in flight. */
  void becomeStream(int status) {
    if (acquired) {
      acquired = false;
      stream = true;
      streamCounted = true;
      backend.streamOpened(status);
    }
  }

  boolean isStream() {
    return stream;
  }

  boolean counts() {
    return acquired;
  }
}
