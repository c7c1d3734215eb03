package dev.nonstop.health;

import dev.nonstop.pool.Backend;

/**
 * Probes the backends it watches and sets their health: {@code rise} passes in a row mark one UP,
 * {@code fall} failures in a row DOWN. Thread-safe. (Contract only: the implementation lands with
 * the health work.)
 */
public final class HealthChecker implements AutoCloseable {

  public HealthChecker(HealthCheck check) {
    throw new UnsupportedOperationException("not built yet");
  }

  /** Starts probing {@code backend} now, then every interval. */
  public void watch(Backend backend) {
    throw new UnsupportedOperationException();
  }

  /** Stops probing {@code backend}; its health stays as it was. */
  public void unwatch(Backend backend) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void close() {
    throw new UnsupportedOperationException();
  }
}
