package dev.nonstop.proxy;

import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Pool;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * The data plane: an HTTP/1.1 reverse proxy in front of the current {@link Pool}. Thread-safe.
 * (Contract only: the implementation lands with the proxy work.)
 */
public final class Proxy implements AutoCloseable {

  /** Binds {@code options.listen()} and serves {@code pool}; returns once it listens. */
  public static Proxy start(ProxyOptions options, Pool pool) {
    throw new UnsupportedOperationException("not built yet");
  }

  /** The bound address (the real port when the options asked for port 0). */
  public InetSocketAddress address() {
    throw new UnsupportedOperationException();
  }

  public Pool pool() {
    throw new UnsupportedOperationException();
  }

  /** Replaces the whole pool in one atomic step: the blue-green switch. */
  public void swap(Pool next) {
    throw new UnsupportedOperationException();
  }

  /** Applies {@code change} to the current pool atomically (retrying on a concurrent change). */
  public Pool update(UnaryOperator<Pool> change) {
    throw new UnsupportedOperationException();
  }

  /**
   * Stops selecting {@code backend} (admin state DRAINING), closes its idle connections, lets its
   * busy ones finish without reuse. Completes with 0 when its in-flight count reaches 0, or at
   * {@code timeout} with the number of requests it then cancelled.
   */
  public CompletableFuture<Integer> drain(Backend backend, Duration timeout) {
    throw new UnsupportedOperationException();
  }

  /** Non-null: every request gets the 503 maintenance page with this message. Null: off. */
  public void maintenance(String message) {
    throw new UnsupportedOperationException();
  }

  public void listener(RequestListener listener) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void close() {
    throw new UnsupportedOperationException();
  }
}
